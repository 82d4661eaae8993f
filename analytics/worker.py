"""The readership loop of `manage.py newsroom_worker`: move buffered events into the store, keep the rollups
current, and do the upkeep (partitions, retention, the visitor salts)."""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections

from . import rollups, visitors
from .store import get_store

logger = logging.getLogger(__name__)


@dataclass
class Schedule:
    """Seconds between runs of each job, and when each last ran (monotonic clock)."""

    flush: float = 1.0
    refresh: float = 60.0
    upkeep: float = 3600.0
    last: dict[str, float] = field(default_factory=dict)

    def due(self, job: str, now: float) -> bool:
        if now - self.last.get(job, float("-inf")) >= getattr(self, job):
            self.last[job] = now
            return True
        return False


def upkeep() -> None:
    get_store().maintain(retention_days=settings.ANALYTICS_RAW_RETENTION_DAYS)
    rollups.purge()
    visitors.delete_old_salts()


def tick(schedule: Schedule, now: float | None = None) -> list[str]:
    """Run whatever is due; returns the jobs that ran. A failing job is logged and tried again next time."""
    now = time.monotonic() if now is None else now
    ran = []
    for job, action in (("upkeep", upkeep), ("refresh", rollups.refresh), ("flush", get_store().flush)):
        if schedule.due(job, now):
            try:
                action()
                ran.append(job)
            except Exception:  # a locked SQLite file, a lost connection, Redis away: try next round
                logger.exception("Readership job %s failed", job)
    return ran


def loop(stop: threading.Event, schedule: Schedule) -> None:
    while not stop.is_set():
        try:
            tick(schedule)
        finally:
            close_old_connections()
        stop.wait(schedule.flush)


def run(stop: threading.Event, *, schedule: Schedule | None = None) -> list[threading.Thread]:
    """Start the readership thread, which stops when `stop` is set; returns it."""
    thread = threading.Thread(
        target=loop, args=(stop, schedule or Schedule()), daemon=True, name="readership"
    )
    thread.start()
    return [thread]
