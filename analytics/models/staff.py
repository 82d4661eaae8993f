"""Staff training in digital transformation, and each agency's information-security declarations."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.models import Agency


class TrainingRecord(models.Model):
    """A staff member took a course in digital transformation (the strategy wants every one trained)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="training_records", verbose_name=_("agency")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("staff member"),
    )
    course = models.CharField(_("course"), max_length=255)
    provider = models.CharField(_("provider"), max_length=255, blank=True)
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(999)],
    )
    certificate = models.CharField(_("certificate"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date", "course"]
        indexes = [models.Index(fields=["agency", "date"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="training_hours_positive")
        ]

    def __str__(self):
        return f"{self.course} · {self.staff} · {self.date:%d/%m/%Y}"


class SecurityDeclaration(models.Model):
    """The approved information-security level of an agency's e-press system (Decree 85/2016/NĐ-CP): what
    the system cannot observe, declared with the approval document's number and date."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="security_declarations", verbose_name=_("agency")
    )
    system_name = models.CharField(
        _("information system"),
        max_length=255,
        help_text=_("As named in the approval, e.g. the e-newspaper."),
    )
    level = models.PositiveSmallIntegerField(
        _("security level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    document_number = models.CharField(_("approval document number"), max_length=100)
    document_date = models.DateField(_("approval document date"))
    approved_by = models.CharField(_("approved by"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("security declaration")
        verbose_name_plural = _("security declarations")
        ordering = ["-document_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="security_level_1_to_5"
            )
        ]

    def __str__(self):
        return f"{self.system_name}: {self.level} ({self.document_number})"
