"""The refusals of `manage.py backup` and `manage.py restore`, each with a message for the operator."""


class BackupError(Exception):
    """A backup or restore that cannot go on.

    str(error) is a translated sentence for the operator; `detail` keeps what a tool said (pg_dump's
    stderr) for the logs and the BackupRecord."""

    def __init__(self, message, *, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail.strip()

    def __str__(self) -> str:
        return f"{self.message}\n{self.detail}" if self.detail else str(self.message)


class BackupNotFound(BackupError):
    """No complete backup of that name in the destination."""


class CorruptBackup(BackupError):
    """The backup's files do not match the checksums its manifest lists: restoring it was refused."""


class DatabaseNotEmpty(BackupError):
    """The database already holds data, and the operator did not confirm it may be replaced."""
