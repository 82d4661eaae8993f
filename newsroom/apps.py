from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class NewsroomConfig(AppConfig):
    default = True  # this module also holds the users app's config
    name = "newsroom"
    verbose_name = _("Newsroom")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401


class NewsroomUsersConfig(WagtailUsersAppConfig):
    # Agency managers manage their own agency's staff only; see newsroom/staff.py.
    user_viewset = "newsroom.staff.AgencyUserViewSet"
