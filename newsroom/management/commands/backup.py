"""Back up the database and the media: `manage.py backup [--to DEST] [--keep N]`, or `--list` them."""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsroom.backups import BackupError, services


def media_summary(files: int, size: int) -> str:
    return ngettext("%(count)d media file (%(size)s)", "%(count)d media files (%(size)s)", files) % {
        "count": files,
        "size": filesizeformat(size),
    }


class Command(BaseCommand):
    help = _(
        "Back up the database (a consistent dump while the site runs) and every media file to a folder or "
        "to s3://bucket/prefix (default: BACKUP_DESTINATION). Media files already in the destination are "
        "not copied again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", dest="destination", metavar="DEST", help=_("A folder or s3://bucket/prefix.")
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help=_("Then keep only the newest N backups there (default: BACKUP_KEEP; 0 keeps all)."),
        )
        parser.add_argument(
            "--list", action="store_true", help=_("List the backups in the destination instead.")
        )

    def handle(self, *args, **options):
        try:
            if options["list"]:
                self.list_backups(options["destination"])
                return
            record = services.take_backup(destination=options["destination"], keep=options["keep"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Backup %(name)s taken in %(destination)s: database %(database)s, %(media)s.")
            % {
                "name": record.name,
                "destination": record.destination,
                "database": filesizeformat(record.database_bytes),
                "media": media_summary(record.media_files, record.media_bytes),
            }
        )

    def list_backups(self, destination):
        found = services.backups_in(destination)
        if not found.complete:
            self.stdout.write(_("No backups in %(destination)s.") % {"destination": found.url})
        for manifest in found.complete:
            self.stdout.write(
                _("%(name)s  %(taken)s  database %(database)s  %(media)s")
                % {
                    "name": manifest.name,
                    "taken": timezone.localtime(manifest.finished_at).strftime("%Y-%m-%d %H:%M"),
                    "database": filesizeformat(manifest.database_size),
                    "media": media_summary(len(manifest.media), manifest.media_bytes),
                }
            )
        for name in found.damaged:
            self.stdout.write(_("%(name)s  damaged: its manifest cannot be read") % {"name": name})
        for name, _started in found.incomplete:
            self.stdout.write(_("%(name)s  unfinished: under way, or it failed") % {"name": name})
