"""The revenue ledger: what each agency earned, by source and month, in VND; entered by hand or imported."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.models import Agency

# One entry above a trillion đồng for one source in one month is a typing error, not a newsroom's revenue.
MAX_AMOUNT = 1_000_000_000_000


class RevenueSource(models.TextChoices):
    PRINT_SALES = "print_sales", _("Print sales")
    DIGITAL_SUBSCRIPTIONS = "digital_subscriptions", _("Digital subscriptions")
    ADVERTISING_DIRECT = "advertising_direct", _("Advertising, direct")
    ADVERTISING_PROGRAMMATIC = "advertising_programmatic", _("Advertising, programmatic")
    PLATFORM_SHARE = "platform_share", _("Platform revenue share")
    EVENTS_SERVICES = "events_services", _("Events and services")
    STATE_COMMISSIONED = "state_commissioned", _("State-commissioned content")
    OTHER = "other", _("Other")


class RevenueImport(models.Model):
    """One CSV file imported into the ledger, whole or not at all; the same file is never imported twice."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="revenue_imports", verbose_name=_("agency")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, editable=False)
    rows = models.PositiveIntegerField(_("rows"))
    total = models.BigIntegerField(_("total (VND)"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("revenue import")
        verbose_name_plural = _("revenue imports")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "sha256"], name="revenue_file_imported_once")
        ]

    def __str__(self):
        return self.file_name


class RevenueEntry(models.Model):
    """Revenue of one agency from one source in one month (`month` is the month's first day)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="revenue_entries", verbose_name=_("agency")
    )
    source = models.CharField(_("source"), max_length=30, choices=RevenueSource.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month the revenue belongs to."))
    amount = models.BigIntegerField(_("amount (VND)"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    imported_from = models.ForeignKey(
        RevenueImport,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("imported from"),
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("revenue entry")
        verbose_name_plural = _("revenue entries")
        ordering = ["-month", "source"]
        indexes = [models.Index(fields=["agency", "month"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="revenue_amount_in_range"
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="revenue_month_first_day"),
        ]

    def __str__(self):
        return f"{self.agency} · {self.get_source_display()} · {self.month:%m/%Y}"
