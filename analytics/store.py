"""The event store: where reader events go, and how they come back out aggregated.

Everything that writes or reads raw events goes through `get_store()`, so the Django database (the default)
can give way to a column store such as ClickHouse at national scale by adding a backend with these methods
and naming it in settings.ANALYTICS_EVENT_STORE; rollups, panels and ingest stay as they are.
"""

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from .models import Dimension, Event, EventKind, Period

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One accepted reader event, as ingest hands it to the store."""

    occurred_at: datetime
    kind: str
    agency_id: int
    page_id: int
    story_id: int | None
    section_id: int | None
    author_id: int | None
    format: str
    channel: str
    visitor: int
    view: str
    referrer_class: str
    referrer_host: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    device: str = "desktop"
    engaged_seconds: int = 0
    scroll: int = 0

    def to_json(self) -> str:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> "EventRecord":
        data = json.loads(text)
        data["occurred_at"] = parse_datetime(data["occurred_at"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Readership of one agency in one bucket, for one key of one dimension."""

    start: datetime
    agency_id: int
    dimension: str
    key: str
    pageviews: int
    visitors: int
    engagements: int
    engaged_seconds: int
    scroll_total: int


# The event field behind each dimension; the total has none.
DIMENSION_FIELDS = {
    Dimension.STORY: "story_id",
    Dimension.SECTION: "section_id",
    Dimension.AUTHOR: "author_id",
    Dimension.FORMAT: "format",
    Dimension.CHANNEL: "channel",
    Dimension.SOURCE: "referrer_class",
    Dimension.REFERRER: "referrer_host",
    Dimension.CAMPAIGN: "utm_campaign",
    Dimension.DEVICE: "device",
}
# Hourly rollups keep what the panels draw by the hour; the rest is daily only.
PERIOD_DIMENSIONS = {
    Period.HOUR: [Dimension.TOTAL, Dimension.STORY, Dimension.SECTION, Dimension.AUTHOR, Dimension.CHANNEL],
    Period.DAY: [Dimension.TOTAL, *DIMENSION_FIELDS],
}


class DatabaseEventStore:
    """Events in the Django database; on PostgreSQL in daily partitions.

    With Redis configured (settings.ANALYTICS_BUFFER_URL), ingest only appends to a Redis list and the worker
    moves events into the database in batches (`flush`), so a page view costs one round trip to Redis.
    Without it each request's events are inserted at once.
    """

    BATCH = 5000

    def __init__(self, *, buffer_url: str = "", buffer_key: str = "analytics:events"):
        self.buffer_url = buffer_url
        self.buffer_key = buffer_key
        self._redis = None

    # --- writing ---------------------------------------------------------------------------------
    def append(self, records: list[EventRecord]) -> None:
        if not records:
            return
        if self.buffer_url:
            self.redis.rpush(self.buffer_key, *(record.to_json() for record in records))
        else:
            self.insert(records)

    def insert(self, records: Iterable[EventRecord]) -> int:
        objs = [Event(**{f.name: getattr(record, f.name) for f in fields(EventRecord)}) for record in records]
        Event.objects.bulk_create(objs, batch_size=1000)
        return len(objs)

    def flush(self) -> int:
        """Move buffered events into the database; returns how many. Safe to run in several workers.

        A batch is taken off the list and inserted in one transaction; if the insert fails the batch is put
        back at the head of the list, so nothing is lost.
        """
        if not self.buffer_url:
            return 0
        moved = 0
        while True:
            batch = self.redis.lpop(self.buffer_key, self.BATCH)
            if not batch:
                return moved
            try:
                with transaction.atomic():
                    moved += self.insert(EventRecord.from_json(item) for item in batch)
            except Exception:
                self.redis.lpush(self.buffer_key, *reversed(batch))
                raise

    def pending(self) -> int:
        """Events waiting in the buffer."""
        return self.redis.llen(self.buffer_key) if self.buffer_url else 0

    @property
    def redis(self):
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(self.buffer_url)
        return self._redis

    # --- reading ---------------------------------------------------------------------------------
    def aggregate(self, *, period: str, start: datetime, end: datetime) -> Iterator[Aggregate]:
        """Events in [start, end) grouped by bucket (local hours or days), agency and each dimension's key."""
        tz = timezone.get_current_timezone()
        events = Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end).annotate(
            bucket=Trunc("occurred_at", period, tzinfo=tz)
        )
        measures = {
            "pageviews": Count("id", filter=Q(kind=EventKind.PAGEVIEW)),
            "visitors": Count("visitor", distinct=True, filter=Q(kind=EventKind.PAGEVIEW)),
            "engagements": Count("id", filter=Q(kind=EventKind.ENGAGEMENT)),
            "engaged": Sum("engaged_seconds"),
            "scrolled": Sum("scroll"),
        }
        for dimension in PERIOD_DIMENSIONS[period]:
            field = DIMENSION_FIELDS.get(dimension)
            group = ["bucket", "agency_id", *([field] if field else [])]
            for row in events.values(*group).annotate(**measures).order_by():
                key = row.get(field) if field else ""
                if key is None:
                    continue  # Pages outside any story, section or byline count in the total only.
                yield Aggregate(
                    start=row["bucket"],
                    agency_id=row["agency_id"],
                    dimension=dimension,
                    key=str(key),
                    pageviews=row["pageviews"],
                    visitors=row["visitors"],
                    engagements=row["engagements"],
                    engaged_seconds=row["engaged"] or 0,
                    scroll_total=row["scrolled"] or 0,
                )

    def realtime(self, *, agency_ids: list[int], since: datetime, top: int = 10) -> dict:
        """Readers since `since`: distinct visitors per agency and the stories they are on."""
        recent = Event.objects.filter(agency_id__in=agency_ids, occurred_at__gte=since)
        per_agency = {
            row["agency_id"]: row["readers"]
            for row in recent.values("agency_id").annotate(readers=Count("visitor", distinct=True)).order_by()
        }
        stories = list(
            recent.exclude(story_id=None)
            .values("agency_id", "story_id")
            .annotate(readers=Count("visitor", distinct=True))
            .order_by("-readers", "story_id")[:top]
        )
        return {"readers": per_agency, "stories": stories}

    def count(self, *, start: datetime, end: datetime) -> int:
        return Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end).count()

    # --- upkeep ----------------------------------------------------------------------------------
    def maintain(self, *, now: datetime | None = None, retention_days: int) -> int:
        """Make the coming days' partitions and delete events older than the retention; returns how many
        partitions were dropped (PostgreSQL) or rows deleted (elsewhere)."""
        now = now or timezone.now()
        cutoff = (now - timedelta(days=retention_days)).astimezone(UTC)
        if connection.vendor != "postgresql":
            return Event.objects.filter(occurred_at__lt=cutoff).delete()[0]
        today = now.astimezone(UTC).date()
        with connection.cursor() as cursor:
            for offset in range(-1, 8):
                self._make_partition(cursor, today + timedelta(days=offset))
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'analytics_event'"
            )
            dropped = 0
            for (name,) in cursor.fetchall():
                day = partition_day(name)
                if day is not None and day + timedelta(days=1) <= cutoff.date():
                    cursor.execute(f'DROP TABLE "{name}"')
                    dropped += 1
            cursor.execute('DELETE FROM "analytics_event_default" WHERE "occurred_at" < %s', [cutoff])
        return dropped

    def ensure_partitions(self, first: date, last: date) -> None:
        """Make the daily partitions from `first` to `last` (UTC days) that are missing (PostgreSQL only)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            day = first
            while day <= last:
                self._make_partition(cursor, day)
                day += timedelta(days=1)

    def _make_partition(self, cursor, day) -> None:
        name = f"analytics_event_p{day:%Y%m%d}"
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return
        low, high = f"{day:%Y-%m-%d} 00:00:00+00", f"{day + timedelta(days=1):%Y-%m-%d} 00:00:00+00"
        try:
            with transaction.atomic():
                cursor.execute(
                    f'CREATE TABLE "{name}" PARTITION OF "analytics_event" FOR VALUES FROM (%s) TO (%s)',
                    [low, high],
                )
        except Exception:
            # Rows for that day already sit in the default partition (the worker was down): move them.
            with transaction.atomic():
                cursor.execute(
                    f'CREATE TABLE "{name}" (LIKE "analytics_event" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                )
                cursor.execute(
                    f'WITH moved AS (DELETE FROM "analytics_event_default" WHERE "occurred_at" >= %s '
                    f'AND "occurred_at" < %s RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
                    [low, high],
                )
                cursor.execute(
                    f'ALTER TABLE "analytics_event" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)',
                    [low, high],
                )


def partition_day(name: str):
    if not name.startswith("analytics_event_p"):
        return None
    try:
        return datetime.strptime(name.removeprefix("analytics_event_p"), "%Y%m%d").date()
    except ValueError:
        return None


@cache
def get_store():
    backend = import_string(settings.ANALYTICS_EVENT_STORE)
    return backend(buffer_url=settings.ANALYTICS_BUFFER_URL, buffer_key=settings.ANALYTICS_BUFFER_KEY)
