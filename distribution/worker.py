"""The outbox worker: threads that claim due deliveries and push them.

It runs inside `manage.py newsroom_worker` (listed in settings.NEWSROOM_WORKER_LOOPS) and on its own as
`manage.py distribution_worker`; any number of them may run against one database. Idle threads look for work
every POLL_SECONDS, or at once when this process publishes (`wake_workers`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

import httpx
from django.db import close_old_connections

from .adapters.base import DEFAULT_TIMEOUT
from .outbox import claim, process

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
_wake = threading.Event()


def wake_workers() -> None:
    _wake.set()


def work(stop: threading.Event, *, name: str, poll: float = POLL_SECONDS) -> None:
    """One worker thread: claim, push, repeat; wait when there is nothing due."""
    client = httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False)
    try:
        while not stop.is_set():
            try:
                batch = claim(limit=1, worker=name)
            except Exception:  # a locked SQLite file or a lost connection: wait and try again
                logger.exception("Could not claim deliveries")
                batch = []
            if batch:
                process(batch[0], client=client)
                continue
            close_old_connections()
            if _wake.wait(poll):
                _wake.clear()
    finally:
        client.close()
        close_old_connections()


def run(stop: threading.Event, *, threads: int = 4, poll: float = POLL_SECONDS) -> list[threading.Thread]:
    """Start `threads` worker threads that stop when `stop` is set; returns them."""
    prefix = f"{socket.gethostname()}:{os.getpid()}"
    started = []
    for n in range(threads):
        thread = threading.Thread(
            target=work,
            args=(stop,),
            kwargs={"name": f"{prefix}:{n}", "poll": poll},
            daemon=True,
            name=f"outbox-{n}",
        )
        thread.start()
        started.append(thread)
    return started
