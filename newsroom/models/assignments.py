from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .agencies import Agency


class AssignmentState(models.TextChoices):
    OPEN = "open", _("Open")
    FILED = "filed", _("Filed")
    CANCELLED = "cancelled", _("Cancelled")


class AssignmentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=AssignmentState.OPEN)

    def overdue(self, now=None):
        """Open assignments whose deadline has passed with nothing filed."""
        return self.open().filter(deadline__lt=now or timezone.now())

    def for_reporter(self, user):
        return self.filter(reporter=user)


class Assignment(models.Model):
    """A story idea an editor gives a reporter, with a deadline; filing from it links the story."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("agency")
    )
    section = models.ForeignKey(
        "newsroom.SectionPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("section"),
    )
    title = models.CharField(_("story idea"), max_length=255)
    brief = models.TextField(
        _("brief"), blank=True, help_text=_("What the desk needs: angle, sources, length.")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("reporter"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="assignments_given",
        editable=False,
        verbose_name=_("assigned by"),
    )
    deadline = models.DateTimeField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=12, choices=AssignmentState.choices, default=AssignmentState.OPEN
    )
    story = models.ForeignKey(
        "newsroom.StoryPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        editable=False,
        verbose_name=_("story"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["agency", "state", "deadline"], name="assignment_open_by_deadline")]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.state == AssignmentState.OPEN and self.deadline < timezone.now()
