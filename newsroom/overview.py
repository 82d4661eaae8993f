"""Production figures per agency for managers and oversight bodies: what each newsroom is doing now."""

from datetime import timedelta

from django.db.models import BigIntegerField, Count, Q
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.models import WorkflowState

from .models import Agency, StoryPage


def agency_overview(*, agencies, now=None) -> list[dict]:
    """One row per agency: live stories, published in 30 days, in review, scheduled, drafts, staff.

    Three queries whatever the number of agencies and stories.
    """
    now = now or timezone.now()
    month_ago = now - timedelta(days=30)
    agencies = list(
        agencies.annotate(staff=Count("staff_groups__group__user", distinct=True)).order_by("name")
    )
    ids = [agency.pk for agency in agencies]
    in_review_ids = (
        WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS)
        .annotate(page_id=Cast("object_id", BigIntegerField()))
        .values("page_id")
    )
    counts = {
        row.pop("agency"): row
        for row in StoryPage.objects.filter(agency__in=ids)
        .order_by()  # Page orders by path, which would split the groups
        .values("agency")
        .annotate(
            live_total=Count("pk", filter=Q(live=True)),
            published_30d=Count("pk", filter=Q(live=True, first_published_at__gte=month_ago)),
            in_review=Count("pk", filter=Q(pk__in=in_review_ids)),
            scheduled=Count("pk", filter=Q(live=False, go_live_at__gt=now)),
            drafts=Count("pk", filter=Q(live=False, has_unpublished_changes=True) & ~Q(pk__in=in_review_ids)),
        )
    }
    empty = {"live_total": 0, "published_30d": 0, "in_review": 0, "scheduled": 0, "drafts": 0}
    return [
        {"agency": agency, "staff": agency.staff, **empty, **counts.get(agency.pk, {})} for agency in agencies
    ]


def totals(rows: list[dict]) -> dict:
    keys = ["staff", "live_total", "published_30d", "in_review", "scheduled", "drafts"]
    return {key: sum(row[key] for row in rows) for key in keys}


def overseen_agencies(user):
    return Agency.objects.overseen_by(user)
