"""/healthz: whether this deployment can serve readers and staff right now, for load balancers and monitoring.

Each check runs in a thread of its own against one deadline (HEALTH_CHECK_TIMEOUT_SECONDS), so a dead
dependency (a stopped Redis, a hung S3 endpoint) is reported as failed in time instead of hanging the probe.
The answer names checks and short reasons only: no hostnames, versions or secrets reach an anonymous caller;
the details go to the log. Reasons are fixed English words, not translated, because alert rules match them.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.db.models import Count, Max, Min, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from newsroom.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK, FAIL = "ok", "fail"
PROBE = b"newsroom health probe\n"


class CheckFailed(Exception):
    """A check's verdict: `reason` is short, fixed wording that names no host, version or secret."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckResult:
    state: str
    latency_ms: float
    reason: str = ""

    def as_dict(self) -> dict:
        answer = {"state": self.state, "latency_ms": self.latency_ms}
        if self.reason:
            answer["reason"] = self.reason
        return answer


# --- What the checks read (metrics.py reads them too) -------------------------------------------------


def uses_task_worker() -> bool:
    """True when tasks go to the database queue, which only a running `manage.py newsroom_worker` drains."""
    return isinstance(task_backends["default"], DatabaseBackend)


def freshest_heartbeat() -> datetime | None:
    """When the liveliest task worker last beat, or None when no worker has reported."""
    return WorkerHeartbeat.objects.aggregate(latest=Max("beat_at"))["latest"]


def _ready(now: datetime) -> tuple[Q, Q]:
    """Ready tasks that wait from their enqueueing (no run_after, which django_tasks_db stores as its
    far-future date_max), and those scheduled for a moment now past, which wait from that moment."""
    unscheduled = Q(status=TaskResultStatus.READY, run_after=get_date_max())
    due = Q(status=TaskResultStatus.READY, run_after__lte=now)
    return unscheduled, due


def oldest_ready_wait() -> float | None:
    """Seconds the longest-waiting task ready to run has waited, or None when none is ready."""
    now = timezone.now()
    unscheduled, due = _ready(now)
    # Both filters hit django_tasks_db's partial index on ready tasks.
    oldest = DBTaskResult.objects.aggregate(
        enqueued=Min("enqueued_at", filter=unscheduled), due=Min("run_after", filter=due)
    )
    starts = [moment for moment in oldest.values() if moment is not None]
    return (now - min(starts)).total_seconds() if starts else None


def task_counts() -> dict[str, int]:
    """Tasks in the database queue by state, in one query: ready (due now), scheduled (ready, for later),
    running, successful and failed."""
    unscheduled, due = _ready(timezone.now())
    ready = unscheduled | due
    return DBTaskResult.objects.aggregate(
        ready=Count("pk", filter=ready),
        scheduled=Count("pk", filter=Q(status=TaskResultStatus.READY) & ~ready),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        successful=Count("pk", filter=Q(status=TaskResultStatus.SUCCESSFUL)),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)),
    )


# --- The checks: each returns when healthy and raises CheckFailed (or anything else) when not ----------


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    # No retries: redis-py's default retries with backoff would outlast the time box.
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    except redis.TimeoutError:
        raise CheckFailed("timed out") from None
    except redis.ConnectionError:
        raise CheckFailed("unreachable") from None
    finally:
        client.close()


def check_channel_layer() -> None:
    from channels import DEFAULT_CHANNEL_LAYER
    from channels.layers import channel_layers

    # A layer of its own: the process's shared one belongs to the event loop of the live newsroom's
    # consumers, and channels_redis refuses a second loop receiving on it.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    channel = f"healthz.{uuid.uuid4().hex}"

    async def round_trip():
        try:
            await layer.send(channel, {"type": "health.probe"})
            return await layer.receive(channel)
        finally:
            close = getattr(layer, "close_pools", None)
            if close is not None:
                await close()

    if asyncio.run(round_trip()).get("type") != "health.probe":
        raise CheckFailed("message lost")


def check_storage() -> None:
    from django.core.files.storage import default_storage

    try:
        name = default_storage.save(f"healthz-{uuid.uuid4().hex}.txt", ContentFile(PROBE))
    except OSError:
        raise CheckFailed("not writable") from None
    try:
        with default_storage.open(name) as probe:
            if probe.read() != PROBE:
                raise CheckFailed("read back differs")
    finally:
        default_storage.delete(name)


def check_worker() -> None:
    beat = freshest_heartbeat()
    if beat is None:
        raise CheckFailed("no worker has reported")
    silent = (timezone.now() - beat).total_seconds()
    if silent > settings.HEALTH_WORKER_STALE_SECONDS:
        raise CheckFailed(f"no heartbeat for {silent:.0f} s")
    waited = oldest_ready_wait()
    if waited is not None and waited > settings.HEALTH_QUEUE_LAG_SECONDS:
        raise CheckFailed(f"a ready task has waited {waited:.0f} s")


def check_elasticsearch() -> None:
    from elastic_transport import ConnectionError, ConnectionTimeout
    from elasticsearch import ApiError, Elasticsearch

    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=timeout, max_retries=0)
    try:
        status = client.cluster.health()["status"]
    except ConnectionTimeout:
        raise CheckFailed("timed out") from None
    except ConnectionError:
        raise CheckFailed("unreachable") from None
    except ApiError as error:
        raise CheckFailed(f"answered {error.meta.status}") from None
    finally:
        client.close()
    # Yellow (replicas unassigned, as on a single node) still answers every search.
    if status == "red":
        raise CheckFailed("cluster status red")


def configured_checks() -> dict[str, Callable[[], None]]:
    """The checks that apply to this deployment's settings, by name."""
    checks: dict[str, Callable[[], None]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    checks["channel_layer"] = check_channel_layer
    checks["storage"] = check_storage
    if uses_task_worker():
        checks["worker"] = check_worker
    if settings.ELASTICSEARCH_URL:
        checks["elasticsearch"] = check_elasticsearch
    return checks


def _run(name: str, check: Callable[[], None]) -> CheckResult:
    started = time.monotonic()
    try:
        check()
        state, reason = OK, ""
    except CheckFailed as failure:
        state, reason = FAIL, failure.reason
        logger.warning("Health check %s failed: %s", name, reason)
    except Exception as error:
        state, reason = FAIL, f"error ({type(error).__name__})"
        logger.warning("Health check %s failed", name, exc_info=True)
    finally:
        # This thread ends with the check: its database connection must not outlive it.
        connections.close_all()
    return CheckResult(state, round((time.monotonic() - started) * 1000, 1), reason)


def run_checks(checks: dict[str, Callable[[], None]] | None = None) -> dict[str, CheckResult]:
    """Run `checks` (default: configured_checks()) side by side; returns each one's result by name.

    A check still running at the deadline is reported as failed ("timed out") and left to finish alone."""
    checks = configured_checks() if checks is None else checks
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    deadline = time.monotonic() + timeout
    # Each thread gets a copy of this context, so that what a check logs carries the request's id.
    futures = {
        name: executor.submit(contextvars.copy_context().run, _run, name, check)
        for name, check in checks.items()
    }
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FuturesTimeout:
            logger.warning("Health check %s timed out after %s s", name, timeout)
            results[name] = CheckResult(FAIL, round(timeout * 1000, 1), "timed out")
    executor.shutdown(wait=False)
    return results


@never_cache
@require_safe
def healthz(request):
    """200 {"status": "ok", "checks": {name: {"state", "latency_ms"}}} when every check passes, else 503
    with "status": "fail" and a "reason" on each failed check. No session, login or CSRF token needed."""
    results = run_checks()
    healthy = all(result.state == OK for result in results.values())
    body = {
        "status": OK if healthy else FAIL,
        "checks": {name: result.as_dict() for name, result in results.items()},
    }
    response = JsonResponse(body, status=200 if healthy else 503)
    # Each failed check is logged already; django.request would add an error line for every probe.
    response._has_been_logged = True
    return response
