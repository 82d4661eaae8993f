"""Demo readership: plausible reader events for the demo's live stories, so the panels have something to show.

Events are generated as the beacon and ingest would have recorded them (analytics/static/readers/r.js,
analytics/ingest.py) and inserted straight into the event store; the rollups are then refreshed. Readers come
in sessions through a daily rhythm (morning and evening peaks, quieter weekends), mostly on phones, from
search, social networks, platforms, direct visits and newsletters; they read the freshest stories most and
a long tail of older ones, each view sending its engagement every 30 engaged seconds and when it ends.
"""

import base64
import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.models import Agency, SectionPage, StoryFormat, StoryPage

from . import classify, rollups
from .models import WEB_CHANNEL, Device, Event, EventKind, ReferrerClass
from .store import EventRecord, get_store

DEFAULT_DAYS = 60
# Page views of an agency on an ordinary weekday at the start of the period (drawn per agency).
DAILY_VIEWS = (70, 130)
GROWTH = 0.25  # over the whole period: the site gains readers
WEEKDAY_FACTORS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.8, 0.75)  # Monday … Sunday
# How a day's readers spread over the local hours: up early, lunch, and the evening peak.
HOURLY_RHYTHM = (2, 1, 1, 1, 2, 5, 10, 14, 12, 9, 8, 9, 10, 8, 7, 7, 8, 9, 11, 14, 15, 13, 9, 5)
DEVICES = {Device.MOBILE: 65, Device.DESKTOP: 30, Device.TABLET: 5}
RETURNING_SHARE = 0.15  # of a day's sessions, by someone already seen that day
NEXT_PAGE_SHARE = 0.38  # a reader reads another page of the site (repeated: a geometric number of pages)
LOST_SHARE = 0.08  # views whose engagement never arrives (the tab closed at once, the network gone)
BOUNCE_SHARE = 0.25
# Typical engaged seconds of a view, by format; the home page and sections are skimmed.
ENGAGED_MEDIAN = {
    StoryFormat.NEWS: 35,
    StoryFormat.LONGFORM: 110,
    StoryFormat.PHOTO: 45,
    StoryFormat.VIDEO: 75,
    StoryFormat.PODCAST: 90,
    StoryFormat.DATA: 60,
    StoryFormat.LIVE: 80,
    "": 18,
}
REPORT_SECONDS = 30  # the beacon reports every 30 engaged seconds, and once more when the view ends


@dataclass(frozen=True)
class Entry:
    """A way into the site: the referrer and query string the beacon would have sent, and how often."""

    weight: int
    referrer: str
    campaigns: tuple[str, ...] = ()
    query: str = ""  # with "{campaign}" where a campaign goes
    home_share: float = 0.1  # how often the reader lands on the front page rather than a story


ENTRIES = (
    Entry(24, "https://www.google.com/"),
    Entry(6, "https://coccoc.com/search"),
    Entry(9, "https://m.facebook.com/"),
    Entry(
        6,
        "https://l.facebook.com/",
        ("fanpage", "livestream-toi"),
        "?utm_source=facebook&utm_medium=social&utm_campaign={campaign}",
    ),
    Entry(10, "", ("zalo-oa", "zalo-oa-sang"), "?utm_source=zalo&utm_medium=social&utm_campaign={campaign}"),
    Entry(20, "", home_share=0.45),
    Entry(6, "https://baomoi.com/", query="?utm_source=baomoi&utm_medium=syndication"),
    Entry(3, "https://news.google.com/"),
    Entry(3, "", ("ban-tin-sang",), "?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}"),
    Entry(3, "https://www.haiduong.gov.vn/", home_share=0.3),
    Entry(2, "https://www.webtretho.com/f/"),
)


@dataclass(frozen=True)
class Target:
    """A live page readers land on, with what ingest would file its events under."""

    page_id: int
    story_id: int | None
    section_id: int | None
    author_id: int | None
    format: str
    published: datetime | None = None
    popularity: float = 1.0


def seed_readership(
    *, days: int = DEFAULT_DAYS, now: datetime | None = None, seed: int = 7, force: bool = False
) -> int:
    """Generate `days` days of readership up to `now` for every agency with live stories and refresh the
    rollups; returns how many events were inserted.

    An agency that already has events gets none, so a second run adds nothing, unless `force`, which adds
    another, different crowd of readers. Raises ValueError if `days` is not positive.
    """
    if days < 1:
        raise ValueError(_("The number of days must be at least 1."))
    now = now or timezone.now()
    store = get_store()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=days - 1
    )
    inserted = 0
    for agency in Agency.objects.select_related("site__root_page").order_by("pk"):
        earlier = Event.objects.filter(agency=agency)
        if not force and earlier.exists():
            continue
        existing = earlier.count() if force else 0  # a forced run draws other readers than the last one
        stories, pages = targets(agency)
        if not stories:
            continue
        rng = random.Random(f"{seed}/{agency.short_name}/{existing}")
        reader = Readership(agency=agency, stories=stories, pages=pages, rng=rng, now=now)
        with transaction.atomic():
            inserted += store.insert(reader.events(start=start, days=days))
    if inserted:
        rollups.mark_dirty(start)
        rollups.refresh(now=max(now, timezone.now()))
    return inserted


def targets(agency: Agency) -> tuple[list[Target], list[Target]]:
    """The agency's live stories (oldest first) and its live front page and sections, in a few queries."""
    root = agency.root_page
    rows = list(
        StoryPage.objects.live()
        .filter(agency=agency)
        .exclude(first_published_at=None)
        .order_by("first_published_at", "pk")
        .values_list("pk", "section_id", "format", "first_published_at")
    )
    # The byline's first author, as ingest files it.
    leads = {}
    through = StoryPage.authors.through.objects.filter(storypage_id__in=[row[0] for row in rows]).order_by(
        "pk"
    )
    for story_id, author_id in through.values_list("storypage_id", "author_id"):
        leads.setdefault(story_id, author_id)
    stories = [
        Target(pk, pk, section_id, leads.get(pk), story_format, published)
        for pk, section_id, story_format, published in rows
    ]
    pages = [Target(root.pk, None, None, None, "")] if root.live else []
    pages += [
        Target(pk, None, pk, None, "")
        for pk in SectionPage.objects.live().child_of(root).order_by("path").values_list("pk", flat=True)
    ]
    return stories, pages


class Readership:
    """One agency's simulated readers."""

    def __init__(
        self, *, agency: Agency, stories: list[Target], pages: list[Target], rng: random.Random, now
    ):
        self.agency = agency
        self.rng = rng
        self.now = now
        # A long tail: a few stories are read far more than their age alone explains.
        self.stories = [replace(story, popularity=rng.paretovariate(1.3)) for story in stories]
        self.published = [story.published for story in self.stories]
        self.pages = pages
        self.home = f"http://{agency.site.hostname}/"
        self.own_hosts = {classify.referrer_host(self.home)}
        self.daily_views = rng.uniform(*DAILY_VIEWS)

    # --- the days --------------------------------------------------------------------------------
    def events(self, *, start: datetime, days: int) -> Iterator[EventRecord]:
        for offset in range(days):
            # Each local midnight made aware on its own, so a change of UTC offset could not shift the days.
            day = timezone.make_aware(
                datetime.combine(start.date() + timedelta(days=offset), datetime.min.time())
            )
            if day > self.now:
                return
            yield from self.day(day, progress=offset / max(days - 1, 1))

    def day(self, midnight: datetime, *, progress: float) -> Iterator[EventRecord]:
        """One day's sessions; `progress` (0 on the first day, 1 on the last) grows the audience."""
        rng = self.rng
        cumulative = self.story_weights(midnight + timedelta(hours=12))
        views = self.daily_views * WEEKDAY_FACTORS[midnight.weekday()] * (1 + GROWTH * progress)
        views *= rng.lognormvariate(0, 0.15) * (1.8 if rng.random() < 0.05 else 1.0)  # and big-news days
        seen: list[tuple[int, str]] = []
        # A session reads 1 / (1 - NEXT_PAGE_SHARE) pages on average.
        for _session in range(round(views * (1 - NEXT_PAGE_SHARE))):
            hour = rng.choices(range(24), weights=HOURLY_RHYTHM)[0]
            moment = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            if moment > self.now:
                continue
            if seen and rng.random() < RETURNING_SHARE:
                visitor, device = rng.choice(seen)
            else:
                visitor = rng.getrandbits(63)
                device = rng.choices(list(DEVICES), weights=list(DEVICES.values()))[0]
                seen.append((visitor, device))
            yield from self.session(moment, visitor=visitor, device=device, cumulative=cumulative)

    def story_weights(self, moment: datetime) -> list[float]:
        """Cumulative weights of the stories published by `moment`: fresh ones first, then a long tail."""
        weights = []
        for story in self.stories[: bisect.bisect_right(self.published, moment)]:
            age = max((moment - story.published).total_seconds() / 86400, 0)
            weights.append(story.popularity * (math.exp(-age / 1.5) + 0.03 / (1 + age / 30)))
        return list(itertools.accumulate(weights))

    def pick(self, moment: datetime, cumulative: list[float], *, home_share: float) -> Target | None:
        rng = self.rng
        if self.pages and (not cumulative or rng.random() < home_share):
            # The front page mostly, sometimes a section.
            return self.pages[0] if rng.random() < 0.8 else rng.choice(self.pages)
        if not cumulative:
            return None
        for _attempt in range(3):
            story = self.stories[bisect.bisect_left(cumulative, rng.uniform(0, cumulative[-1]))]
            if story.published <= moment:
                return story
        return self.pages[0] if self.pages else None

    # --- a reader's visit ------------------------------------------------------------------------
    def session(self, moment, *, visitor: int, device: str, cumulative) -> Iterator[EventRecord]:
        rng = self.rng
        entry = rng.choices(ENTRIES, weights=[entry.weight for entry in ENTRIES])[0]
        campaign = rng.choice(entry.campaigns) if entry.campaigns else ""
        referrer, query = entry.referrer, entry.query.format(campaign=campaign)
        home_share = entry.home_share
        while moment <= self.now:
            target = self.pick(moment, cumulative, home_share=home_share)
            if target is None:
                return
            records, seconds = self.view(
                target, moment, visitor=visitor, device=device, referrer=referrer, query=query
            )
            yield from records
            if rng.random() >= NEXT_PAGE_SHARE:
                return
            # On to another page from this one: an internal referrer, no campaign any more.
            moment += timedelta(seconds=seconds + rng.uniform(2, 40))
            referrer, query, home_share = self.home, "", 0.05

    def view(
        self, target: Target, moment, *, visitor, device, referrer, query
    ) -> tuple[list[EventRecord], float]:
        """A page view and its engagement events (within `now`), and the seconds the view lasted."""
        rng = self.rng
        view_id = base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode().rstrip("=")
        utm = classify.utm(query)
        host = classify.referrer_host(referrer)
        source = classify.referrer_class(host, own_hosts=self.own_hosts, utm_fields=utm)
        common = {
            "agency_id": self.agency.pk,
            "page_id": target.page_id,
            "story_id": target.story_id,
            "section_id": target.section_id,
            "author_id": target.author_id,
            "format": target.format,
            "channel": WEB_CHANNEL,
            "visitor": visitor,
            "view": view_id,
            "device": device,
        }
        # As ingest does, the view's engagement events are filed under its source too.
        common.update(
            referrer_class=source,
            referrer_host="" if source == ReferrerClass.INTERNAL else host,
            **utm,
        )
        records = [EventRecord(occurred_at=moment, kind=EventKind.PAGEVIEW, **common)]
        engaged, depth = self.engagement(target, device)
        elapsed = 0.0
        if rng.random() < LOST_SHARE:
            return records, engaged * rng.uniform(1.0, 1.6)
        for seconds, grown in reports(engaged, depth):
            # Wall-clock time runs ahead of engaged time: pauses, a glance at another tab.
            elapsed += seconds * rng.uniform(1.0, 1.6) + rng.uniform(0.5, 3)
            when = moment + timedelta(seconds=elapsed)
            if when > self.now:
                break
            records.append(
                EventRecord(
                    occurred_at=when,
                    kind=EventKind.ENGAGEMENT,
                    engaged_seconds=seconds,
                    scroll=grown,
                    **common,
                )
            )
        return records, elapsed

    def engagement(self, target: Target, device: str) -> tuple[int, int]:
        """Engaged seconds and maximum scroll depth (%) of one view."""
        rng = self.rng
        first_screen = rng.randint(8, 30) if device == Device.DESKTOP else rng.randint(5, 18)
        if rng.random() < BOUNCE_SHARE:
            return rng.randint(0, 6), first_screen + rng.randint(0, 15)
        median = ENGAGED_MEDIAN[target.format] * (1.2 if device == Device.DESKTOP else 1.0)
        engaged = min(max(round(rng.lognormvariate(math.log(median), 0.8)), 3), 1500)
        reach = 1 - math.exp(-engaged / (median * 1.3))
        depth = first_screen + round((100 - first_screen) * reach) + rng.randint(-10, 10)
        return engaged, min(max(depth, first_screen), 100)


def reports(engaged: int, depth: int) -> list[tuple[int, int]]:
    """The (engaged seconds, scroll growth) of a view's engagement events, as the beacon sends them: one for
    every 30 engaged seconds and one when the view ends, each only if something grew; most scrolling early."""
    chunks = [REPORT_SECONDS] * (engaged // REPORT_SECONDS)
    if engaged % REPORT_SECONDS or not chunks:
        chunks.append(engaged % REPORT_SECONDS)
    reached, events = 0, []
    for index, seconds in enumerate(chunks, start=1):
        target = round(depth * (1 - (1 - index / len(chunks)) ** 2))
        grown, reached = target - reached, target
        if seconds or grown:
            events.append((seconds, grown))
    return events
