from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "newsroom.accounts"
    label = "newsroom_accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Sign-ins, sign-outs, failures, lockouts and password changes go to the audit log; the services
        # add their own audit actions.
        from . import services, signals  # noqa: F401
