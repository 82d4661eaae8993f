"""Periodic tasks for the database task queue, which has no scheduler of its own.

The worker's beat calls `ensure_periodic_tasks()` every few seconds: each periodic task keeps exactly
one pending run queued for the start of its next period, so several workers never double it up
for long and a crashed run is simply queued again.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus

from .tasks import publish_scheduled

# (task, period): scheduled publishing and expiry run every minute, not from an hourly cron.
PERIODIC_TASKS = [(publish_scheduled, timedelta(minutes=1))]


def next_tick(now: datetime, period: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    elapsed = (now - epoch) // period
    return epoch + (elapsed + 1) * period


def ensure_periodic_tasks(now: datetime | None = None) -> int:
    """Queue the next run of every periodic task that has none pending. Returns how many were queued."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    queued = 0
    for periodic, period in PERIODIC_TASKS:
        backend = task_backends[periodic.backend]
        if not isinstance(backend, DatabaseBackend):
            continue  # Only the database backend runs a worker with a beat.
        pending = DBTaskResult.objects.filter(
            task_path=periodic.module_path, status=TaskResultStatus.READY
        ).exists()
        if not pending:
            periodic.using(run_after=next_tick(now, period)).enqueue()
            queued += 1
    return queued
