from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Readership analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The audit log's wall: Wagtail's log entries of these models belong to the agency they name.
        from newsroom.audit.attribution import ATTRIBUTIONS

        ATTRIBUTIONS.update(
            {
                f"analytics.{model}": "agency"
                for model in (
                    "revenueentry",
                    "revenueimport",
                    "trainingrecord",
                    "securitydeclaration",
                    "indicatordeclaration",
                    "selfassessment",
                )
            }
        )
