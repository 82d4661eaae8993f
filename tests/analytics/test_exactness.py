"""N valid events in, exactly N counted in the rollups: by hour and by day, in total and per story."""

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from analytics import rollups, visitors
from analytics.models import Event, Rollup
from analytics.store import get_store
from tests.factories import make_story, section_of

from .beacon_client import LAPTOP_UA, PHONE_UA, engagement, pageview, post

pytestmark = pytest.mark.django_db
START = timezone.make_aware(datetime(2026, 11, 18, 21, 0))  # Local time: the days cross two midnights.


@pytest.fixture
def stories(agency, other_agency):
    visitors._salts.clear()
    return [make_story(section=section_of(a, i)) for a in (agency, other_agency) for i in (0, 1)]


def send_traffic(client, stories, *, views: int, rng: random.Random, refresh_at=()):
    """Post `views` page views, each with 0–3 engagements, plus refused noise, spread over 30 hours.

    Returns the valid events sent as (moment, story, kind, seconds, scroll).
    """
    sent = []
    moments = sorted(START + timedelta(seconds=rng.randrange(30 * 3600)) for _ in range(views))
    pending_refreshes = sorted(refresh_at)
    for n, moment in enumerate(moments):
        while pending_refreshes and pending_refreshes[0] <= moment:
            rollups.refresh(now=pending_refreshes.pop(0))
        story = rng.choice(stories)
        agency = story.agency
        reader = {"ip": f"10.0.{n % 7}.{n % 13}", "user_agent": rng.choice([PHONE_UA, LAPTOP_UA])}
        with mock.patch("django.utils.timezone.now", return_value=moment):
            view = pageview(story)
            assert post(client, agency, view, **reader).status_code == 204
            sent.append((moment, story, "pageview", 0, 0))
            assert post(client, agency, view, **reader).status_code == 409  # replay: not counted
            bot = {**reader, "user_agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}
            assert post(client, agency, pageview(story), **bot).status_code == 204  # dropped
            for sequence in range(1, rng.randrange(4) + 1):
                seconds, scroll = rng.randrange(1, 60), rng.randrange(0, 30)
                event = engagement(view, sequence=sequence, seconds=seconds, scroll=scroll)
                assert post(client, agency, event, **reader).status_code == 204
                sent.append((moment, story, "engagement", seconds, scroll))
    return sent


def day_of(moment):
    return rollups.bucket_start(moment, "day")


def totals(period: str, dimension: str):
    rows = Rollup.objects.filter(period=period, dimension=dimension)
    result = defaultdict(Counter)
    for row in rows:
        result[(row.agency_id, row.key)].update(
            pageviews=row.pageviews,
            engagements=row.engagements,
            engaged_seconds=row.engaged_seconds,
            scroll_total=row.scroll_total,
        )
    return result


def expected(sent, key):
    result = defaultdict(Counter)
    for _moment, story, kind, seconds, scroll in sent:
        result[key(story)].update(
            pageviews=kind == "pageview",
            engagements=kind == "engagement",
            engaged_seconds=seconds,
            scroll_total=scroll,
        )
    return {k: +v for k, v in result.items()}


def test_every_valid_event_is_counted_once(client, settings, stories):
    settings.ANALYTICS_RATE_LIMIT_PER_MINUTE = 10**9
    rng = random.Random(20261123)
    end = START + timedelta(hours=31)
    # Refresh now and then while traffic flows, as the worker does, and at the end.
    sent = send_traffic(
        client, stories, views=300, rng=rng, refresh_at=[START + timedelta(hours=h) for h in (3, 4, 11, 27)]
    )
    rollups.refresh(now=end)

    assert len(sent) == Event.objects.count()
    for period in ("hour", "day"):
        got = totals(period, "total")
        assert sum(c["pageviews"] + c["engagements"] for c in got.values()) == len(sent)
        assert {k: +v for k, v in got.items()} == expected(sent, lambda s: (s.agency_id, ""))
        per_story = {k: +v for k, v in totals(period, "story").items()}
        assert per_story == expected(sent, lambda s: (s.agency_id, str(s.pk)))
        per_section = {k: +v for k, v in totals(period, "section").items()}
        assert per_section == expected(sent, lambda s: (s.agency_id, str(s.section_id)))

    # Day buckets are local days; each day's visitors are the distinct visitor numbers of that day.
    by_day = Counter(day_of(moment) for moment, *_rest in sent)
    day_rows = Rollup.objects.filter(period="day", dimension="total")
    counted = Counter()
    for row in day_rows:
        counted[row.start] += row.pageviews + row.engagements
    assert counted == by_day
    for row in day_rows:
        day_end = row.start + timedelta(days=1)
        distinct = (
            Event.objects.filter(
                agency_id=row.agency_id, kind="pageview", occurred_at__gte=row.start, occurred_at__lt=day_end
            )
            .values("visitor")
            .distinct()
            .count()
        )
        assert row.visitors == distinct

    # Running again changes nothing.
    before = sorted(
        Rollup.objects.values_list("period", "start", "agency_id", "dimension", "key", "pageviews")
    )
    rollups.refresh(now=end)
    assert (
        sorted(Rollup.objects.values_list("period", "start", "agency_id", "dimension", "key", "pageviews"))
        == before
    )


def test_buffered_events_are_counted_once_flushed(settings, agency, stories):
    """With Redis the store buffers; a refresh flushes first (runs where REDIS_URL is set, as in CI)."""
    store = get_store()
    if not store.buffer_url:
        pytest.skip("No Redis configured: events are written straight to the database.")
    from analytics.store import EventRecord

    now = timezone.now()
    records = [
        EventRecord(
            occurred_at=now - timedelta(seconds=n),
            kind="pageview",
            agency_id=agency.pk,
            page_id=stories[0].pk,
            story_id=stories[0].pk,
            section_id=stories[0].section_id,
            author_id=None,
            format="news",
            channel="web",
            visitor=n,
            view=f"view-{n:012d}",
            referrer_class="direct",
        )
        for n in range(1, 12_001)
    ]
    store.append(records)
    assert store.pending() == 12_000 and Event.objects.count() == 0
    rollups.refresh(now=now)
    assert store.pending() == 0
    assert (
        sum(Rollup.objects.filter(period="hour", dimension="total").values_list("pageviews", flat=True))
        == 12_000
    )
