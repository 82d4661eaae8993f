"""Delete resumable uploads nobody finished in time, with their bytes (the worker also does, every few
minutes)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from archive.tus.cleanup import delete_expired_uploads


class Command(BaseCommand):
    help = _("Delete expired resumable uploads and their bytes.")

    def handle(self, *args, **options):
        deleted = delete_expired_uploads()
        self.stdout.write(_("Expired uploads deleted: %(count)d") % {"count": deleted})
