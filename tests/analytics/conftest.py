"""Shared readership fixtures: reader events for a story, straight into the event store, then the rollups."""

import itertools
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from analytics import rollups
from analytics.models import WEB_CHANNEL, EventKind
from analytics.store import EventRecord, get_store

_visitors = itertools.count(1_000_001)
_views = itertools.count(1)


def at_noon(days_ago: int, *, today: date | None = None) -> datetime:
    """Local noon `days_ago` days before today: safely inside that local day."""
    day = (today or timezone.localdate()) - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(12)))


def story_records(
    story,
    *,
    at: datetime,
    views: int = 1,
    visitors: int | None = None,
    engaged_seconds: int = 0,
    scroll: int = 0,
    **fields,
) -> list[EventRecord]:
    """`views` page views of `story` at `at` by `visitors` distinct readers (one reader per view unless
    fewer are given), each followed by one engagement event carrying `engaged_seconds` and `scroll` when
    either is set. `fields` override the record's own (referrer_class, device, channel, utm_campaign…)."""
    readers = [next(_visitors) for _ in range(visitors or views)]
    author = story.authors.first() if story.pk else None
    base = {
        "agency_id": story.agency_id,
        "page_id": story.pk,
        "story_id": story.pk,
        "section_id": story.section_id,
        "author_id": author.pk if author else None,
        "format": story.format,
        "channel": WEB_CHANNEL,
        "referrer_class": "direct",
        **fields,
    }
    records = []
    for n in range(views):
        view = f"view{next(_views):012d}"
        common = {**base, "visitor": readers[n % len(readers)], "view": view}
        records.append(EventRecord(occurred_at=at, kind=EventKind.PAGEVIEW, **common))
        if engaged_seconds or scroll:
            records.append(
                EventRecord(
                    occurred_at=at + timedelta(seconds=30),
                    kind=EventKind.ENGAGEMENT,
                    engaged_seconds=engaged_seconds,
                    scroll=scroll,
                    **common,
                )
            )
    return records


def insert_and_refresh(records: list[EventRecord]) -> list[EventRecord]:
    """Insert `records` into the event store and bring the rollups up to date, however old they are."""
    get_store().insert(records)
    if records:
        rollups.mark_dirty(min(record.occurred_at for record in records))
    rollups.refresh(now=max([timezone.now(), *(r.occurred_at + timedelta(minutes=5) for r in records)]))
    return records


@pytest.fixture
def events(db):
    """A function that adds reader events for a story and refreshes the rollups; returns the records.

    events(story, at=at_noon(3), views=5, visitors=4, engaged_seconds=40, scroll=60, device="mobile")
    """

    def add(story, **kwargs) -> list[EventRecord]:
        return insert_and_refresh(story_records(story, **kwargs))

    return add
