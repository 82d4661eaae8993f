"""The task worker: django-tasks-db's db_worker (Wagtail's tasks and ours), the periodic beat, and the
loops in settings.NEWSROOM_WORKER_LOOPS (the delivery outbox)."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from newsroom.scheduler import ensure_periodic_tasks

logger = logging.getLogger(__name__)
BEAT_SECONDS = 5


def beat(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            ensure_periodic_tasks()
        except Exception:  # A locked SQLite file or a lost connection: try again next beat.
            logger.exception("Could not queue periodic tasks")
        finally:
            close_old_connections()
        stop.wait(BEAT_SECONDS)


class Command(DBWorkerCommand):
    help = "Run background tasks (search index, references, scheduled publishing, …) with a periodic beat."

    def handle(self, *args, **options):
        stop = threading.Event()
        if not options.get("batch"):
            threading.Thread(target=beat, args=(stop,), daemon=True, name="beat").start()
            # Other apps' long-running loops (the delivery outbox) share this process and its stop.
            for path in settings.NEWSROOM_WORKER_LOOPS:
                import_string(path)(stop)
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
