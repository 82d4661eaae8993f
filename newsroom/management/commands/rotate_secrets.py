"""Re-encrypt every stored secret with the newest key in NEWSROOM_ENCRYPTION_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from newsroom.secrets import EncryptedJSONField


class Command(BaseCommand):
    help = _(
        "Re-encrypt channel credentials and API tokens with the first key of NEWSROOM_ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old key may be removed."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, EncryptedJSONField):
                    continue
                with transaction.atomic():
                    # Reading decrypts with whichever listed key fits; writing encrypts with the first.
                    for pk, value in model.objects.values_list("pk", field.attname).iterator():
                        if value:
                            model.objects.filter(pk=pk).update(**{field.attname: value})
                            total += 1
        self.stdout.write(_("%(count)d secrets re-encrypted.") % {"count": total})
