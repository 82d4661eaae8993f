"""Demo readership: events as ingest would have stored them, counted exactly by the rollups, added once."""

import io
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.utils import timezone, translation
from wagtail.models import Page

from analytics import classify, ingest
from analytics.demo import seed_readership
from analytics.models import Device, Event, EventKind, Period, ReferrerClass, Rollup
from tests.factories import make_author, make_story, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def stories(agency, now):
    """Stories published over the past weeks, one of them an hour ago, with bylines."""
    made = []
    for index, age in enumerate(
        [timedelta(days=20), timedelta(days=5), timedelta(days=2), timedelta(hours=30), timedelta(hours=1)]
    ):
        story = make_story(
            section=section_of(agency, index % 2), format=["news", "longform", "video"][index % 3]
        )
        story.authors.set([make_author(agency=agency), make_author(agency=agency)])
        story.save_revision().publish()
        Page.objects.filter(pk=story.pk).update(first_published_at=now - age)
        made.append(story)
    make_story(section=section_of(agency), publish=False, title="Bản nháp")
    return made


def totals(queryset, **filters) -> dict[str, int]:
    rows = queryset.filter(**filters).aggregate(
        pageviews=Sum("pageviews"),
        engagements=Sum("engagements"),
        engaged_seconds=Sum("engaged_seconds"),
        scroll_total=Sum("scroll_total"),
    )
    return {name: value or 0 for name, value in rows.items()}


def event_totals(**filters) -> dict[str, int]:
    events = Event.objects.filter(**filters)
    return {
        "pageviews": events.filter(kind=EventKind.PAGEVIEW).count(),
        "engagements": events.filter(kind=EventKind.ENGAGEMENT).count(),
        "engaged_seconds": events.aggregate(total=Sum("engaged_seconds"))["total"] or 0,
        "scroll_total": events.aggregate(total=Sum("scroll"))["total"] or 0,
    }


def test_the_rollups_count_exactly_the_events_generated(agency, other_agency, stories, now):
    inserted = seed_readership(days=3, now=now)

    assert 300 < inserted == Event.objects.count()
    assert set(Event.objects.values_list("agency_id", flat=True)) == {agency.pk}  # the other has no stories
    generated = event_totals(agency=agency)
    assert generated["pageviews"] > 100 and generated["engagements"] > generated["pageviews"]
    for period in Period:
        rollup = Rollup.objects.filter(period=period, agency=agency, dimension="total")
        assert totals(rollup) == generated, period
    days = Rollup.objects.filter(period=Period.DAY, agency=agency, dimension="total")
    assert days.count() == 3
    by_day = Counter(
        timezone.localtime(t).date()
        for t in Event.objects.filter(kind="pageview").values_list("occurred_at", flat=True)
    )
    assert {timezone.localtime(row.start).date(): row.pageviews for row in days} == by_day
    # Visitors are distinct within each day.
    for row in days:
        start = row.start
        day_events = Event.objects.filter(
            kind="pageview", occurred_at__gte=start, occurred_at__lt=start + timedelta(1)
        )
        assert row.visitors == day_events.values("visitor").distinct().count() <= row.pageviews
    assert sum(row.visitors for row in days) < sum(row.pageviews for row in days)  # some read several pages
    # Every story's views are in its row, and nothing was read before it was published.
    story_rows = Rollup.objects.filter(period=Period.DAY, agency=agency, dimension="story")
    for story in stories:
        assert totals(story_rows, key=str(story.pk)) == event_totals(story_id=story.pk)
        story.refresh_from_db()
        assert not Event.objects.filter(story_id=story.pk, occurred_at__lt=story.first_published_at).exists()


def test_events_are_what_ingest_would_have_stored(agency, stories, now):
    seed_readership(days=7, now=now)
    events = list(Event.objects.order_by("occurred_at", "pk"))

    assert max(event.occurred_at for event in events) <= now
    # Each page is filed exactly as ingest files a beacon event on it.
    for page_id in {event.page_id for event in events}:
        facts = ingest._page_facts(page_id)
        filed = {
            (e.agency_id, e.story_id, e.section_id, e.author_id, e.format)
            for e in events
            if e.page_id == page_id
        }
        assert filed == {(facts.agency_id, facts.story_id, facts.section_id, facts.author_id, facts.format)}
    assert {e.story_id for e in events} >= {story.pk for story in stories[:4]}
    # One page view per view id, first; then engagement events whose increments the beacon could send.
    views = defaultdict(list)
    for event in events:
        views[event.view].append(event)
    for view, view_events in views.items():
        assert ingest.VIEW_ID.fullmatch(view)
        first, *rest = view_events
        assert first.kind == EventKind.PAGEVIEW and all(e.kind == EventKind.ENGAGEMENT for e in rest)
        assert len({(e.visitor, e.device, e.page_id) for e in view_events}) == 1
        assert sum(e.scroll for e in rest) <= 100 and len(rest) <= ingest.MAX_SEQUENCE
        assert all(0 <= e.engaged_seconds <= 30 and (e.engaged_seconds or e.scroll) for e in rest)
        # Engagement events are filed under their page view's source, as ingest files them.
        source = (
            first.referrer_class,
            first.referrer_host,
            first.utm_source,
            first.utm_medium,
            first.utm_campaign,
        )
        assert all(
            (e.referrer_class, e.referrer_host, e.utm_source, e.utm_medium, e.utm_campaign) == source
            for e in rest
        )
    # Page views classified as ingest classifies them.
    pageviews = [e for e in events if e.kind == EventKind.PAGEVIEW]
    sources = Counter(e.referrer_class for e in pageviews)
    assert set(sources) == set(ReferrerClass)
    assert {e.referrer_host for e in pageviews if e.referrer_class == "search"} == {
        "google.com",
        "coccoc.com",
    }
    assert {"facebook.com", "l.facebook.com"} <= {
        e.referrer_host for e in pageviews if e.referrer_class == "social"
    }
    for event in pageviews:
        utm = {"utm_medium": event.utm_medium}
        if event.referrer_class != ReferrerClass.INTERNAL:
            assert (
                classify.referrer_class(event.referrer_host, own_hosts=set(), utm_fields=utm)
                == event.referrer_class
            )
    assert {"zalo-oa", "fanpage", "ban-tin-sang"} <= {e.utm_campaign for e in pageviews}
    # About two readers in three on phones; most reading early in the morning and in the evening.
    phones = sum(e.device == Device.MOBILE for e in pageviews) / len(pageviews)
    assert 0.55 < phones < 0.75
    hours = Counter(timezone.localtime(e.occurred_at).hour for e in pageviews)
    night = sum(hours[h] for h in range(1, 5))
    assert sum(hours[h] for h in range(6, 9)) > 3 * night and sum(hours[h] for h in range(19, 22)) > 3 * night
    # Fresh stories are read most: over the last day, those of the last two days far more than an older one.
    reads = Counter(e.story_id for e in pageviews if e.story_id and e.occurred_at > now - timedelta(days=1))
    assert sum(reads[story.pk] for story in stories[2:]) > 5 * reads[stories[0].pk]


def test_a_second_run_adds_nothing_unless_forced(agency, stories, now):
    first = seed_readership(days=2, now=now)
    rollups_before = totals(Rollup.objects.filter(period=Period.DAY, dimension="total"))

    assert seed_readership(days=2, now=now) == 0
    assert Event.objects.count() == first
    assert totals(Rollup.objects.filter(period=Period.DAY, dimension="total")) == rollups_before

    more = seed_readership(days=2, now=now, force=True)
    assert more > 0 and Event.objects.count() == first + more
    # Another crowd: new readers and new views, not the first run again.
    duplicated = Event.objects.values("view", "kind", "occurred_at").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicated.exists()
    assert totals(Rollup.objects.filter(period=Period.DAY, dimension="total")) == event_totals()


def test_nothing_to_read_nothing_generated(agency):
    assert seed_readership(days=5) == 0
    assert not Event.objects.exists() and not Rollup.objects.exists()
    with pytest.raises(ValueError):
        seed_readership(days=0)


def test_the_command_says_what_it_did(agency, stories):
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_readership", days=2, stdout=out)
        assert "reader events over the past 2 days; rollups refreshed" in out.getvalue()
        assert Event.objects.exists()

        out = io.StringIO()
        call_command("seed_readership", days=2, stdout=out)
        assert "every agency already has readership. Use --force" in out.getvalue()

        count = Event.objects.count()
        call_command("seed_readership", "--days", "1", "--force", stdout=io.StringIO())
        assert Event.objects.count() > count

        with pytest.raises(CommandError, match="The number of days must be from 1 to 400; 0 was given."):
            call_command("seed_readership", days=0)


def test_the_command_explains_when_there_is_nothing_to_read(agency):
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_readership", days=2, stdout=out)
    assert "there are no published stories yet" in out.getvalue()
