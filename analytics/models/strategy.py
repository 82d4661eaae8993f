"""The strategy's indicators (Decision 348/QĐ-TTg): what an agency declares where the system cannot see,
and the targets for the share of agencies meeting each indicator."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.models import Agency, OversightBody


class Indicator(models.TextChoices):
    DIGITAL_PLATFORMS = "digital_platforms", _("Content on digital platforms")
    ANALYTICS = "analytics_platform", _("Central data-analysis platform in use")
    CONVERGENT = "convergent_newsroom", _("Convergent newsroom in use")
    REVENUE_GROWTH = "revenue_growth", _("Revenue grown by at least 20%")
    STAFF_TRAINED = "staff_trained", _("Every staff member trained")
    SECURITY = "security_level3", _("Information security at level 3 or above")


class IndicatorDeclaration(models.Model):
    """An agency's own word for an indicator in a year, used where the system has no data of its own."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="indicator_declarations", verbose_name=_("agency")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    met = models.BooleanField(_("met"))
    evidence = models.TextField(_("evidence"), help_text=_("What shows it: a document, a figure, a link."))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicator declaration")
        verbose_name_plural = _("indicator declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "indicator"], name="one_declaration_per_indicator"
            )
        ]

    def __str__(self):
        return f"{self.agency} · {self.year} · {self.get_indicator_display()}"


class StrategyTarget(models.Model):
    """The share of agencies (in percent) that should meet an indicator by a year: the strategy's own targets
    (no oversight body) or a province's or ministry's plan, which may ask for more."""

    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    share = models.PositiveSmallIntegerField(_("share of agencies (%)"), validators=[MaxValueValidator(100)])
    oversight_body = models.ForeignKey(
        OversightBody,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="strategy_targets",
        verbose_name=_("oversight body"),
        help_text=_("Empty for the national strategy's target."),
    )
    source = models.CharField(
        _("source"), max_length=100, help_text=_("The decision or plan, e.g. 348/QĐ-TTg.")
    )

    class Meta:
        verbose_name = _("strategy target")
        verbose_name_plural = _("strategy targets")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"],
                condition=models.Q(oversight_body__isnull=True),
                name="one_national_target_per_indicator_year",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "oversight_body"], name="one_target_per_indicator_year_body"
            ),
            models.CheckConstraint(condition=models.Q(share__lte=100), name="target_share_percent"),
        ]

    def __str__(self):
        return f"{self.get_indicator_display()} {self.year}: {self.share}%"
