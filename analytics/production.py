"""Newsroom production figures: how long stories take from filing to publication, which desks and reporters
publish them, and how many of them reach each channel.

Four queries whatever the number of stories: the stories with their filing and first-revision times, the
counts per section, per reporter, and per channel.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry, Revision, WorkflowState

from distribution.models import Channel
from newsroom.filing.services import FILED_ACTION
from newsroom.models import Agency, StoryPage


def production_figures(*, agencies: Iterable[Agency] | QuerySet, start: date, end: date) -> dict:
    """What the agencies' newsrooms published from local day `start` to `end`, both included.

    Returns {"published": int,
             "filing_to_publication": {"count": int, "median_minutes": float?, "p90_minutes": float?},
             "by_section": [{"section_id", "title", "stories"}],
             "by_reporter": [{"user_id", "name", "stories"}],
             "channels": [{"channel_id", "name", "kind", "delivered", "share"}]}
    (the minutes are None when no story has a filing time).
    A story counts when it was first published in the range. It was filed when the reporter sent it to the
    desk (the "newsroom.story_filed" log entry), or else when its first revision was saved; a story filed
    only after it was first published counts from its first revision. `share` (0..1) is the part of the
    channel's agency's stories delivered there. Raises ValueError when `start` is after `end`.
    """
    if start > end:
        raise ValueError(_("The start date is after the end date."))
    if not isinstance(agencies, QuerySet):
        agencies = list(agencies)  # read twice below
    low = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    high = timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()))
    stories = StoryPage.objects.filter(
        agency__in=agencies, first_published_at__gte=low, first_published_at__lt=high
    ).order_by()

    filed = (
        PageLogEntry.objects.filter(
            page_id=OuterRef("pk"), action=FILED_ACTION, timestamp__lte=OuterRef("first_published_at")
        )
        .order_by("timestamp")
        .values("timestamp")[:1]
    )
    drafted = (
        Revision.objects.filter(
            base_content_type__app_label="wagtailcore",
            base_content_type__model="page",
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = list(
        stories.annotate(filed_at=Subquery(filed), drafted_at=Subquery(drafted)).values_list(
            "agency_id", "first_published_at", "filed_at", "drafted_at"
        )
    )
    per_agency = Counter(agency_id for agency_id, *_times in rows)
    minutes = sorted(
        (published - since).total_seconds() / 60
        for _agency, published, filed_at, drafted_at in rows
        if (since := filed_at or drafted_at) is not None and since <= published
    )

    by_section = [
        {
            "section_id": row["section_id"],
            "title": row["section__title"] or _("No section"),
            "stories": row["n"],
        }
        for row in stories.values("section_id", "section__title").annotate(n=Count("pk"))
    ]
    by_section.sort(key=lambda row: (-row["stories"], row["title"]))
    by_reporter = [
        {"user_id": row["owner_id"], "name": _person(row), "stories": row["n"]}
        for row in stories.values(
            "owner_id", "owner__first_name", "owner__last_name", "owner__username"
        ).annotate(n=Count("pk"))
    ]
    by_reporter.sort(key=lambda row: (-row["stories"], row["name"]))

    channels = (
        Channel.objects.filter(agency__in=agencies, enabled=True)
        .annotate(delivered=Count("publications", filter=Q(publications__story__in=stories.values("pk"))))
        .order_by("agency_id", "-domestic", "name", "pk")
        .values_list("pk", "name", "kind", "agency_id", "delivered")
    )
    return {
        "published": len(rows),
        "filing_to_publication": {
            "count": len(minutes),
            "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
            "p90_minutes": round(_percentile(minutes, 0.9), 1) if minutes else None,
        },
        "by_section": by_section,
        "by_reporter": by_reporter,
        "channels": [
            {
                "channel_id": pk,
                "name": name,
                "kind": kind,
                "delivered": delivered,
                "share": delivered / per_agency[agency_id] if per_agency[agency_id] else 0.0,
            }
            for pk, name, kind, agency_id, delivered in channels
        ],
    }


def approved_through_workflow(stories: QuerySet) -> QuerySet:
    """Those of `stories` that an editorial workflow approved. Workflow states point at pages by text id and
    the base Page content type, so a join from a StoryPage queryset (its own content type) finds none:
    they are matched by id here."""
    approved = WorkflowState.objects.filter(
        base_content_type__app_label="wagtailcore",
        base_content_type__model="page",
        status=WorkflowState.STATUS_APPROVED,
    ).values("object_id")
    return stories.annotate(page_key=Cast("pk", output_field=CharField())).filter(page_key__in=approved)


def _person(row: dict) -> str:
    if row["owner_id"] is None:
        return _("Nobody")
    full_name = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
    return full_name or row["owner__username"]


def _percentile(ordered: list[float], fraction: float) -> float:
    """The value below which `fraction` of `ordered` lies, interpolating between neighbours."""
    position = (len(ordered) - 1) * fraction
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
