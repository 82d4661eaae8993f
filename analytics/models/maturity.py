"""The maturity framework (versioned data an administrator edits) and each agency's yearly self-assessment."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, RevisionMixin
from wagtail.search import index

from analytics.maturity.blocks import LevelBlock, PillarBlock
from newsroom.models import Agency


class MaturityFramework(DraftStateMixin, RevisionMixin, index.Indexed, models.Model):
    """A maturity index as a decision sets it out: pillars, component indices, criteria, points and levels.
    Each published change is a revision; assessments keep the revision they were answered against."""

    title = models.CharField(_("title"), max_length=255)
    decision = models.CharField(_("decision"), max_length=100, help_text=_("e.g. 1827/QĐ-BTTTT"))
    issued_on = models.DateField(_("issued on"))
    issued_by = models.CharField(_("issued by"), max_length=255, blank=True)
    first_year = models.PositiveSmallIntegerField(
        _("first year assessed"), help_text=_("The first year whose assessment follows this framework.")
    )
    pillars = StreamField([("pillar", PillarBlock())], verbose_name=_("pillars"))
    levels = StreamField([("level", LevelBlock())], verbose_name=_("levels"))

    search_fields = [index.SearchField("title"), index.SearchField("decision")]

    class Meta:
        verbose_name = _("maturity framework")
        verbose_name_plural = _("maturity frameworks")
        ordering = ["-first_year"]

    def __str__(self):
        return f"{self.decision} ({self.first_year})"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class SelfAssessment(models.Model):
    """An agency's maturity self-assessment for a year, against one revision of a framework. On submission
    the points per pillar, the total and the level are kept: a later edit of the framework changes nothing."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="self_assessments", verbose_name=_("agency")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    framework = models.ForeignKey(
        MaturityFramework, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("framework")
    )
    framework_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    total = models.DecimalField(_("total points"), max_digits=6, decimal_places=2, null=True, blank=True)
    level = models.CharField(_("level"), max_length=100, blank=True)
    pillar_scores = models.JSONField(_("points per pillar"), default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["-year", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="one_assessment_per_agency_year")
        ]

    def __str__(self):
        return f"{self.agency} · {self.year}"


class AssessmentAnswer(models.Model):
    """The points an agency gives itself on one criterion (by the criterion's code), with its note and the
    system's evidence and suggestion when a rule offered one."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("self-assessment")
    )
    code = models.CharField(_("criterion"), max_length=16)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    suggested_points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    evidence = models.TextField(_("evidence from the system"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="one_answer_per_criterion")
        ]

    def __str__(self):
        return f"{self.assessment} · {self.code}"
