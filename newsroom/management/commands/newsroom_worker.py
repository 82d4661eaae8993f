"""The task worker: django-tasks-db's db_worker (Wagtail's tasks and ours), the periodic beat with the
worker's heartbeat, and the loops in settings.NEWSROOM_WORKER_LOOPS (the delivery outbox)."""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from newsroom.models import WorkerHeartbeat
from newsroom.scheduler import ensure_periodic_tasks

logger = logging.getLogger(__name__)
BEAT_SECONDS = 5
# A worker killed without its clean exit leaves its heartbeat behind; after this long it is forgotten.
DEAD_HEARTBEAT_AGE = timedelta(days=1)


class Heartbeat:
    """This process's row in WorkerHeartbeat, which /healthz and /metrics read to know a worker is alive."""

    def __init__(self):
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.worker_id = f"{self.host}:{self.pid}"
        self.started_at = timezone.now()

    def beat(self) -> None:
        """Write the heartbeat (made on the first beat), and forget workers silent for a day."""
        now = timezone.now()
        first = {"host": self.host, "pid": self.pid, "started_at": self.started_at, "beat_at": now}
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id, defaults={"beat_at": now}, create_defaults=first
        )
        WorkerHeartbeat.objects.filter(beat_at__lt=now - DEAD_HEARTBEAT_AGE).delete()

    def stop(self) -> None:
        """Remove the heartbeat: a worker that stopped cleanly is gone, not stalled."""
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def beat(stop: threading.Event, heartbeat: Heartbeat) -> None:
    while not stop.is_set():
        # Apart, so that a failure to queue periodic tasks does not silence the heartbeat, or the reverse.
        for step, failure in ((heartbeat.beat, "heartbeat"), (ensure_periodic_tasks, "periodic tasks")):
            try:
                step()
            except Exception:  # A locked SQLite file or a lost connection: try again next beat.
                logger.exception("Worker beat failed: %s", failure)
        close_old_connections()
        stop.wait(BEAT_SECONDS)


class Command(DBWorkerCommand):
    help = "Run background tasks (search index, references, scheduled publishing, …) with a periodic beat."

    def handle(self, *args, **options):
        # With --reload the first process only watches files and restarts a child that does the work:
        # the beat and the loops belong to the child. A --batch run drains the queue and exits: no beat.
        watcher = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if options.get("batch") or watcher:
            return super().handle(*args, **options)
        stop = threading.Event()
        heartbeat = Heartbeat()
        heartbeat.beat()  # At once: /healthz sees the worker before its first task.
        beat_thread = threading.Thread(target=beat, args=(stop, heartbeat), daemon=True, name="beat")
        beat_thread.start()
        # Other apps' long-running loops (the delivery outbox) share this process and its stop.
        for path in settings.NEWSROOM_WORKER_LOOPS:
            import_string(path)(stop)
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            # The beat must not write the heartbeat again after it is removed.
            beat_thread.join(timeout=BEAT_SECONDS * 2)
            try:
                heartbeat.stop()
            except Exception:
                logger.exception("Could not remove the worker's heartbeat")
