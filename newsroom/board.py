"""The newsroom board (the news budget): an agency's stories by where they stand, and its open assignments.

Each story is in at most one column, by the first that applies:
- in review: its workflow is in progress and nobody has approved a step yet (the editor's turn);
- approved: a step is approved and the workflow goes on (the editor-in-chief's turn), or the workflow
  ended approved but the story never went live;
- scheduled: a revision is approved to go live later;
- published: live, published in the last 24 hours;
- filed: any other story that is not live (drafts, those sent back for changes, taken down).

A board is read in a fixed number of queries whatever the number of stories: one per column, one for the
assignments and one for who has which story open in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.models import EditingSession
from wagtail.admin.utils import get_user_display_name
from wagtail.models import Revision, TaskState, WorkflowState, get_default_page_content_type

from .models import Agency, Assignment, StoryPage

PUBLISHED_WITHIN = timedelta(hours=24)
# The editor pings every 10 seconds while its tab is visible: a minute without one and the person has gone.
EDITING_WITHIN = timedelta(seconds=60)
# Cards per column; the column says how many more there are.
COLUMN_LIMIT = 50

FILED, IN_REVIEW, APPROVED, SCHEDULED, PUBLISHED = "filed", "in_review", "approved", "scheduled", "published"
COLUMN_LABELS = {
    FILED: _("Filed"),
    IN_REVIEW: _("In review"),
    APPROVED: _("Approved"),
    SCHEDULED: _("Scheduled"),
    PUBLISHED: _("Published, 24 hours"),
}


@dataclass
class Column:
    key: str
    label: str
    cards: list[StoryPage]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


@dataclass
class Board:
    agency: Agency
    columns: list[Column]
    assignments: list[Assignment]
    now: datetime
    overdue: int = field(default=0)


def _page_ids(queryset, path: str = "object_id"):
    """Page ids from a queryset of rows that name a page by its text object_id, for `pk__in`."""
    return queryset.annotate(page_id=Cast(path, BigIntegerField())).values("page_id")


def _workflow_states():
    return WorkflowState.objects.filter(base_content_type=get_default_page_content_type())


def _column_conditions(now: datetime) -> dict[str, Q]:
    """Each column's condition on StoryPage, in the board's order; no story meets two."""
    in_workflow = Q(pk__in=_page_ids(_workflow_states().filter(status=WorkflowState.STATUS_IN_PROGRESS)))
    past_first_step = Q(
        pk__in=_page_ids(
            TaskState.objects.filter(
                status=TaskState.STATUS_APPROVED,
                workflow_state__status=WorkflowState.STATUS_IN_PROGRESS,
                workflow_state__base_content_type=get_default_page_content_type(),
            ),
            "workflow_state__object_id",
        )
    )
    scheduled = Q(pk__in=_page_ids(Revision.page_revisions.filter(approved_go_live_at__isnull=False)))
    approved_not_live = Q(
        pk__in=_page_ids(_workflow_states().filter(status=WorkflowState.STATUS_APPROVED)),
        live=False,
        first_published_at__isnull=True,
    )
    return {
        FILED: Q(live=False) & ~in_workflow & ~scheduled & ~approved_not_live,
        IN_REVIEW: in_workflow & ~past_first_step,
        APPROVED: (in_workflow & past_first_step) | (approved_not_live & ~in_workflow & ~scheduled),
        SCHEDULED: scheduled & ~in_workflow,
        PUBLISHED: Q(live=True, last_published_at__gte=now - PUBLISHED_WITHIN) & ~in_workflow & ~scheduled,
    }


def _for_page(queryset):
    """Rows of `queryset` about the page of the outer query (its pk as text, as generic relations keep it)."""
    return queryset.filter(object_id=Cast(OuterRef("pk"), CharField()))


def _cards(stories, key: str, condition: Q):
    """The column's stories, newest first, each with what its card shows; `total` counts them all."""
    cards = stories.filter(condition).annotate(total=Window(Count("pk")))
    if key in (IN_REVIEW, APPROVED):
        current = _for_page(_workflow_states()).filter(status=WorkflowState.STATUS_IN_PROGRESS)
        cards = cards.annotate(
            task_name=Subquery(current.values("current_task_state__task__name")[:1]),
            submitted_at=Subquery(current.values("created_at")[:1]),
        ).order_by("-submitted_at", "-pk")
    elif key == SCHEDULED:
        schedule = _for_page(Revision.page_revisions).filter(approved_go_live_at__isnull=False)
        cards = cards.annotate(
            scheduled_at=Subquery(schedule.order_by("-approved_go_live_at").values("approved_go_live_at")[:1])
        ).order_by("scheduled_at", "pk")
    elif key == PUBLISHED:
        cards = cards.order_by("-last_published_at", "-pk")
    else:
        sent_back = _for_page(_workflow_states()).filter(status=WorkflowState.STATUS_NEEDS_CHANGES)
        cards = cards.annotate(needs_changes=Exists(sent_back)).order_by("-latest_revision_created_at", "-pk")
    return list(cards[:COLUMN_LIMIT])


def agency_board(*, agency: Agency, now: datetime | None = None) -> Board:
    """The agency's board: its columns of story cards (each with `editors`, the people who have it open
    in the editor now) and its open assignments (each with `overdue`), in seven queries."""
    now = now or timezone.now()
    stories = (
        StoryPage.objects.filter(agency=agency)
        .select_related("section", "owner")
        .only(
            "pk",
            "title",
            "live",
            "owner",
            "section__title",
            "latest_revision_created_at",
            "last_published_at",
            "first_published_at",
            "go_live_at",
            "agency_id",
        )
    )
    columns = []
    prefix = f"{agency.short_name}: "  # tasks are named after their agency; its own board needs no reminder
    for key, condition in _column_conditions(now).items():
        cards = _cards(stories, key, condition)
        for card in cards:
            if getattr(card, "task_name", None) and card.task_name.startswith(prefix):
                card.task_name = card.task_name[len(prefix) :]
        total = cards[0].total if cards else 0
        columns.append(Column(key=key, label=str(COLUMN_LABELS[key]), cards=cards, total=total))
    _attach_editors([card for column in columns for card in column.cards], now=now)
    assignments = list(
        Assignment.objects.filter(agency=agency)
        .open()
        .select_related("reporter", "section", "assigned_by")
        .order_by("deadline", "pk")[:COLUMN_LIMIT]
    )
    for assignment in assignments:
        assignment.overdue = assignment.deadline < now
    return Board(
        agency=agency,
        columns=columns,
        assignments=assignments,
        now=now,
        overdue=sum(assignment.overdue for assignment in assignments),
    )


def _attach_editors(cards: list[StoryPage], *, now: datetime) -> None:
    """Set each card's `editors`: (name, is_editing) of everyone with it open in the editor, one query."""
    for card in cards:
        card.editors = []
    if not cards:
        return
    by_id = {str(card.pk): card for card in cards}
    sessions = (
        EditingSession.objects.filter(
            content_type=get_default_page_content_type(),
            object_id__in=list(by_id),
            last_seen_at__gte=now - EDITING_WITHIN,
        )
        .select_related("user")
        .order_by("last_seen_at", "pk")
    )
    seen: dict[tuple[str, int], dict] = {}
    for session in sessions:
        entry = seen.get((session.object_id, session.user_id))
        if entry is None:
            entry = seen[(session.object_id, session.user_id)] = {
                "name": get_user_display_name(session.user),
                "editing": False,
            }
            by_id[session.object_id].editors.append(entry)
        entry["editing"] = entry["editing"] or session.is_editing


def column_of(story_id: int, *, now: datetime | None = None) -> str | None:
    """The board column the story is in now (FILED, IN_REVIEW…), or None if on none; one query."""
    whens = [
        When(condition, then=Value(key))
        for key, condition in _column_conditions(now or timezone.now()).items()
    ]
    return (
        StoryPage.objects.filter(pk=story_id)
        .annotate(column=Case(*whens, default=None, output_field=CharField()))
        .values_list("column", flat=True)
        .first()
    )
