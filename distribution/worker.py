"""The outbox worker: threads that claim due deliveries and push them.

It runs inside `manage.py newsroom_worker` (listed in settings.NEWSROOM_WORKER_LOOPS) and on its own as
`manage.py distribution_worker`; any number of them may run against one database. Idle threads look for work
every POLL_SECONDS, or at once when a story is published: in this process through an Event, across
processes through Redis pub/sub when REDIS_URL is set.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

import httpx
from django.conf import settings
from django.db import close_old_connections

from .adapters.base import DEFAULT_TIMEOUT
from .outbox import claim, process

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
# Deliveries a thread claims at once: fewer claim queries on a backlog, still short leases.
CLAIM_BATCH = 4
WAKE_CHANNEL = "newsroom:outbox:wake"
_wake = threading.Event()


def wake_workers() -> None:
    """Deliveries are waiting: wake idle worker threads here and, through Redis, in other processes."""
    _wake.set()
    if settings.REDIS_URL:
        try:
            _redis().publish(WAKE_CHANNEL, "1")
        except Exception:  # Redis down: the workers still poll
            logger.warning("Could not wake the delivery workers through Redis", exc_info=True)


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def listen_for_wakes(stop: threading.Event) -> None:
    """Turn wake messages from other processes into this process's Event; reconnect when Redis drops."""
    while not stop.is_set():
        try:
            pubsub = _redis().pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(WAKE_CHANNEL)
            while not stop.is_set():
                if pubsub.get_message(timeout=1.0):
                    _wake.set()
        except Exception:
            logger.warning("Lost Redis while listening for delivery wake-ups", exc_info=True)
            stop.wait(5)


def work(stop: threading.Event, *, name: str, poll: float = POLL_SECONDS) -> None:
    """One worker thread: claim, push, repeat; wait when there is nothing due."""
    client = httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False)
    try:
        while not stop.is_set():
            try:
                batch = claim(limit=CLAIM_BATCH, worker=name)
            except Exception:  # a locked SQLite file or a lost connection: wait and try again
                logger.exception("Could not claim deliveries")
                batch = []
            if batch:
                for delivery in batch:
                    process(delivery, client=client)
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
    if settings.REDIS_URL:
        listener = threading.Thread(target=listen_for_wakes, args=(stop,), daemon=True, name="outbox-wake")
        listener.start()
        started.append(listener)
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
