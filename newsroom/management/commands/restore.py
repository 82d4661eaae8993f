"""Restore a backup: `manage.py restore NAME [--from DEST] [--yes]`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsroom.backups import BackupError, services


class Command(BaseCommand):
    help = _(
        "Restore a backup taken by `manage.py backup`: every checksum is checked first, then the database "
        "and the media files are replaced. Stop the web servers and the task workers first, and start them "
        "again after."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("The backup's name, as `manage.py backup --list` shows it."))
        parser.add_argument(
            "--from",
            dest="source",
            metavar="DEST",
            help=_("The folder or s3://bucket/prefix holding it (default: BACKUP_DESTINATION)."),
        )
        parser.add_argument(
            "--yes", action="store_true", help=_("Replace a database that already holds data.")
        )

    def handle(self, *args, **options):
        name = options["name"]
        try:
            restored = services.restore_backup(name=name, source=options["source"], replace=options["yes"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = ngettext(
            "%(written)d media file written, %(unchanged)d already in place",
            "%(written)d media files written, %(unchanged)d already in place",
            restored.files_written,
        ) % {"written": restored.files_written, "unchanged": restored.files_unchanged}
        self.stdout.write(
            _("Backup %(name)s restored: the database, and %(files)s.") % {"name": name, "files": files}
        )
        if restored.migrations_pending:
            self.stdout.write(
                _("The backup is older than this code: run `manage.py migrate` before starting the site.")
            )
