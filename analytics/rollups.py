"""Hourly and daily rollups of the event store, with the platforms' own figures, kept by the worker.

`refresh()` recomputes every bucket from the watermark on (the start of the hour and of the local day it
falls in) from the raw events, in one transaction per period, so a run is idempotent and its totals exact.
Figures that arrive for an earlier day move the watermark back (`mark_dirty`).
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from .models import Dimension, Event, Period, PlatformFigure, Rollup, State
from .store import Aggregate, get_store

WATERMARK = "rollups"
# Events reach the database a moment after they were stamped (the Redis buffer): recompute a little behind.
GRACE = timedelta(minutes=2)


def bucket_start(moment: datetime, period: str) -> datetime:
    local = timezone.localtime(moment)
    if period == Period.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def watermark() -> datetime | None:
    state = State.objects.filter(name=WATERMARK).first()
    return state.value if state else None


def mark_dirty(since: datetime) -> None:
    """Have the next refresh recompute everything from `since` on."""
    with transaction.atomic():
        state = State.objects.select_for_update().filter(name=WATERMARK).first()
        if state is None:
            return  # No refresh yet: the first one starts from the oldest event or figure anyway.
        if since < state.value:
            state.value = since
            state.save(update_fields=["value"])


def refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Bring the rollups up to `now`; returns how many rows each period now has from its bucket start on."""
    now = now or timezone.now()
    store = get_store()
    store.flush()
    since = watermark() or _oldest(now)
    written = {}
    for period in (Period.HOUR, Period.DAY):
        start = bucket_start(since, period)
        rows = list(store.aggregate(period=period, start=start, end=now + timedelta(seconds=1)))
        if period == Period.DAY:
            rows = _with_platform_figures(rows, start)
        with transaction.atomic():
            Rollup.objects.filter(period=period, start__gte=start).delete()
            Rollup.objects.bulk_create(
                [
                    Rollup(
                        period=period,
                        start=row.start,
                        agency_id=row.agency_id,
                        dimension=row.dimension,
                        key=row.key,
                        pageviews=row.pageviews,
                        visitors=row.visitors,
                        engagements=row.engagements,
                        engaged_seconds=row.engaged_seconds,
                        scroll_total=row.scroll_total,
                    )
                    for row in rows
                ],
                batch_size=2000,
            )
        written[period] = len(rows)
    State.objects.update_or_create(name=WATERMARK, defaults={"value": now - GRACE})
    return written


def _oldest(now: datetime) -> datetime:
    first_event = Event.objects.aggregate(first=Min("occurred_at"))["first"]
    first_figure = PlatformFigure.objects.aggregate(first=Min("day"))["first"]
    candidates = [now]
    if first_event:
        candidates.append(first_event)
    if first_figure:
        candidates.append(timezone.make_aware(datetime.combine(first_figure, datetime.min.time())))
    return min(candidates)


def _with_platform_figures(rows: list[Aggregate], start: datetime) -> list[Aggregate]:
    """Add what platforms reported, day by day, to the agency's total, the channel's row and the story's."""
    figures = (
        PlatformFigure.objects.filter(day__gte=timezone.localtime(start).date())
        .select_related("channel")
        .values_list(
            "day", "channel_id", "channel__agency_id", "story_id", "views", "visitors", "engaged_seconds"
        )
    )
    extra: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, channel_id, agency_id, story_id, views, visitors, engaged in figures:
        day_start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        keys = [(Dimension.TOTAL, ""), (Dimension.CHANNEL, f"ch{channel_id}")]
        if story_id:
            keys.append((Dimension.STORY, str(story_id)))
        for dimension, key in keys:
            sums = extra[(day_start, agency_id, dimension, key)]
            sums[0] += views
            sums[1] += visitors or 0
            sums[2] += engaged or 0
    if not extra:
        return rows
    merged = []
    for row in rows:
        sums = extra.pop((row.start, row.agency_id, row.dimension, row.key), None)
        if sums:
            row = Aggregate(
                start=row.start,
                agency_id=row.agency_id,
                dimension=row.dimension,
                key=row.key,
                pageviews=row.pageviews + sums[0],
                visitors=row.visitors + sums[1],
                engagements=row.engagements,
                engaged_seconds=row.engaged_seconds + sums[2],
                scroll_total=row.scroll_total,
            )
        merged.append(row)
    for (day_start, agency_id, dimension, key), (views, visitors, engaged) in extra.items():
        merged.append(Aggregate(day_start, agency_id, dimension, key, views, visitors, 0, engaged, 0))
    return merged


def purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete hourly rollups (and daily ones, if settings ask) past their retention."""
    now = now or timezone.now()
    deleted = {}
    for period, days in (
        (Period.HOUR, settings.ANALYTICS_HOURLY_RETENTION_DAYS),
        (Period.DAY, settings.ANALYTICS_DAILY_RETENTION_DAYS),
    ):
        old = Rollup.objects.filter(period=period, start__lt=now - timedelta(days=days))
        deleted[period] = old.delete()[0] if days else 0
    return deleted
