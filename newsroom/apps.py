from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class NewsroomConfig(AppConfig):
    default = True  # this module also holds the users app's config
    name = "newsroom"
    verbose_name = _("Newsroom")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401
        from .audit import receivers  # noqa: F401
        from .walls import wall_page_filters

        wall_page_filters()

        post_migrate.connect(_sync_permissions_after_migrate, dispatch_uid="newsroom-sync-role-permissions")


def _sync_permissions_after_migrate(sender, app_config, **kwargs):
    """After `migrate`, when every app's permissions exist (the last app's post_migrate), bring existing
    agencies' staff groups in step with newsroom.roles: a new app's permissions reach them too."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is not last:
        return
    from .services import sync_agency_permissions

    sync_agency_permissions()


class NewsroomUsersConfig(WagtailUsersAppConfig):
    # Agency managers manage their own agency's staff only; see newsroom/staff.py.
    user_viewset = "newsroom.staff.AgencyUserViewSet"
