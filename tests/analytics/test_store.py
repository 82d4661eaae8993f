"""The database event store's upkeep: daily partitions on PostgreSQL, retention, and the worker's jobs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics import rollups, worker
from analytics.models import Event, Rollup, Salt
from analytics.store import EventRecord, get_store
from analytics.visitors import salt_for

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def record(agency, moment, n=1) -> EventRecord:
    return EventRecord(
        occurred_at=moment,
        kind="pageview",
        agency_id=agency.pk,
        page_id=agency.root_page.pk,
        story_id=None,
        section_id=None,
        author_id=None,
        format="",
        channel="web",
        visitor=n,
        view=f"view-{n:012d}",
        referrer_class="direct",
    )


def partitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = 'analytics_event'"
        )
        return dict(cursor.fetchall())


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Partitions are PostgreSQL's")
def test_events_land_in_daily_partitions_and_old_ones_are_dropped(agency):
    store = get_store()
    # Events of a day without a partition yet wait in the default partition…
    store.insert([record(agency, NOW, 1), record(agency, NOW - timedelta(days=100), 2)])
    assert rows_in("analytics_event_default") == 2
    # …until upkeep makes the day's partition and moves them into it.
    assert store.maintain(now=NOW, retention_days=90) == 0
    made = partitions()
    assert {f"analytics_event_p{(NOW + timedelta(days=d)):%Y%m%d}" for d in range(-1, 8)} <= set(made)
    assert rows_in(f"analytics_event_p{NOW:%Y%m%d}") == 1
    # The 100-day-old event was past retention: deleted from the default partition.
    assert rows_in("analytics_event_default") == 0
    assert Event.objects.count() == 1

    # Twelve weeks on, the November partitions are past retention and dropped whole.
    later = NOW + timedelta(days=92)
    assert store.maintain(now=later, retention_days=90) >= 2
    assert f"analytics_event_p{NOW:%Y%m%d}" not in partitions()
    assert Event.objects.count() == 0


def test_retention_deletes_old_events(agency):
    store = get_store()
    store.insert([record(agency, NOW - timedelta(days=d), d + 1) for d in (0, 10, 89, 91, 200)])
    store.maintain(now=NOW, retention_days=90)
    assert sorted((NOW - e.occurred_at).days for e in Event.objects.all()) == [0, 10, 89]


def test_hourly_rollups_expire_and_daily_ones_stay(agency, settings):
    settings.ANALYTICS_HOURLY_RETENTION_DAYS = 35
    settings.ANALYTICS_DAILY_RETENTION_DAYS = 0
    get_store().insert([record(agency, NOW - timedelta(days=40)), record(agency, NOW - timedelta(days=1), 2)])
    rollups.refresh(now=NOW)
    assert Rollup.objects.filter(period="hour", dimension="total").count() == 2
    assert rollups.purge(now=NOW) == {"hour": 2, "day": 0}  # the old hour's total and channel rows
    assert Rollup.objects.filter(period="hour", dimension="total").count() == 1
    assert Rollup.objects.filter(period="day", dimension="total").count() == 2


def test_the_worker_runs_each_job_on_its_own_schedule(agency, settings):
    schedule = worker.Schedule(flush=1, refresh=60, upkeep=3600)
    assert worker.tick(schedule, now=1000) == ["upkeep", "refresh", "flush"]
    assert worker.tick(schedule, now=1000.5) == []
    assert worker.tick(schedule, now=1001) == ["flush"]
    get_store().insert([record(agency, timezone.now())])
    assert worker.tick(schedule, now=1061) == ["refresh", "flush"]
    assert Rollup.objects.filter(dimension="total", period="day").get().pageviews == 1
    # Upkeep forgets the visitor salts of two days ago.
    salt_for(timezone.localdate() - timedelta(days=3))
    assert worker.tick(schedule, now=1000 + 3600) == ["upkeep", "refresh", "flush"]
    assert not Salt.objects.filter(day__lt=timezone.localdate() - timedelta(days=1)).exists()


def test_a_failing_job_is_logged_and_the_others_still_run(agency, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(rollups, "refresh", broken)
    assert worker.tick(worker.Schedule(), now=5000) == ["upkeep", "flush"]
    assert "Readership job refresh failed" in caplog.text
