"""Backups of the whole newsroom: the database and every media file, and their restore.

`manage.py backup` and `manage.py restore` call `services`; the security indicator reads
`latest_successful()`. Destinations are folders or S3 prefixes (destinations.py), the database half is
database.py, the media half media.py, and each backup's manifest manifest.py.
"""

from .errors import BackupError, BackupNotFound, CorruptBackup, DatabaseNotEmpty
from .selectors import latest_successful

__all__ = ["BackupError", "BackupNotFound", "CorruptBackup", "DatabaseNotEmpty", "latest_successful"]
