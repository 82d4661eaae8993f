"""Prometheus metrics at /metrics: the web requests this process answered, and what the database says at
scrape time (deliveries, readership ingest refusals, the task queue, task workers, backups).

With several ASGI workers, set PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied again at each deployment)
in every worker's environment: prometheus_client then keeps request metrics in files there and /metrics adds
up every process's. Database figures are read once per scrape, whichever process answers it.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from datetime import timedelta
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import Count, Max, Sum
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from newsroom.health import freshest_heartbeat, oldest_ready_wait, task_counts
from newsroom.logs import route_name
from newsroom.models import BackupRecord, BackupState, WorkerHeartbeat

logger = logging.getLogger(__name__)

# Clients may send any method; only these become label values.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# A request relayed by a reverse proxy arrives from the proxy's address (often 127.0.0.1): such requests
# are never let in by address, only by token.
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
PLAIN_TEXT = "text/plain; charset=utf-8"

REQUESTS = Counter(
    "newsroom_http_requests",
    "HTTP requests answered, by method, route (URL pattern name) and status class.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "newsroom_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (URL pattern name).",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_request(request, response, seconds: float) -> None:
    """Count one answered request and its duration."""
    method = request.method if request.method in METHODS else "other"
    route = route_name(request)
    REQUESTS.labels(method=method, route=route, status=f"{response.status_code // 100}xx").inc()
    LATENCY.labels(route=route).observe(seconds)


class RequestMetricsMiddleware:
    """Time and count every request by route; near the top of MIDDLEWARE, so that answers other middleware
    give on its own (redirects, refusals) are counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        observe_request(request, response, time.perf_counter() - started)
        return response


class DatabaseCollector:
    """Figures read from the database at each scrape: a grouped query or two per family, never a row each."""

    def collect(self):
        # All read before any is yielded: a scrape shows every database figure or none.
        try:
            families = [*self.deliveries(), *self.ingest(), *self.tasks(), *self.workers(), *self.backups()]
            read = True
        except DatabaseError:
            logger.exception("Could not read metrics from the database")
            families, read = [], False
        yield from families
        yield GaugeMetricFamily(
            "newsroom_metrics_database_up",
            "1 when this scrape could read the database figures, else 0.",
            value=1 if read else 0,
        )

    def deliveries(self):
        if not apps.is_installed("distribution"):
            return
        # Through the app registry: newsroom never imports the apps built on it.
        delivery = apps.get_model("distribution", "Delivery")
        states = [value for value, _label in delivery._meta.get_field("state").choices]
        channel = delivery._meta.get_field("channel").related_model
        kinds = [value for value, _label in channel._meta.get_field("kind").choices]
        counts = {
            (row["state"], row["channel__kind"]): row["n"]
            for row in delivery.objects.order_by().values("state", "channel__kind").annotate(n=Count("pk"))
        }
        family = GaugeMetricFamily(
            "newsroom_deliveries",
            "Deliveries in the outbox, by state and channel kind.",
            labels=["state", "channel_kind"],
        )
        # Every state of every kind, zeros included: an alert on failed deliveries needs the series to exist.
        for kind in kinds:
            for state in states:
                family.add_metric([state, kind], counts.get((state, kind), 0))
        yield family

    def ingest(self):
        if not apps.is_installed("analytics"):
            return
        ingest_count = apps.get_model("analytics", "IngestCount")
        family = CounterMetricFamily(
            "newsroom_readership_ingest_rejected",
            "Reader events and partner reports refused or dropped at ingest, by reason.",
            labels=["reason"],
        )
        for row in ingest_count.objects.order_by().values("reason").annotate(n=Sum("count")):
            family.add_metric([row["reason"]], row["n"])
        yield family

    def tasks(self):
        family = GaugeMetricFamily(
            "newsroom_tasks", "Tasks in the database queue, by state.", labels=["state"]
        )
        for state, count in task_counts().items():
            family.add_metric([state], count)
        yield family
        yield GaugeMetricFamily(
            "newsroom_task_oldest_ready_age_seconds",
            "How long the longest-waiting task ready to run has waited (0: none is waiting).",
            value=oldest_ready_wait() or 0,
        )

    def workers(self):
        now = timezone.now()
        stale_before = now - timedelta(seconds=settings.HEALTH_WORKER_STALE_SECONDS)
        yield GaugeMetricFamily(
            "newsroom_workers",
            "Task workers whose heartbeat is fresher than HEALTH_WORKER_STALE_SECONDS.",
            value=WorkerHeartbeat.objects.filter(beat_at__gte=stale_before).count(),
        )
        beat = freshest_heartbeat()
        if beat is not None:
            yield GaugeMetricFamily(
                "newsroom_worker_heartbeat_age_seconds",
                "Seconds since the liveliest task worker's last heartbeat.",
                value=(now - beat).total_seconds(),
            )

    def backups(self):
        finished = BackupRecord.objects.filter(state=BackupState.SUCCEEDED).aggregate(last=Max("finished_at"))
        yield GaugeMetricFamily(
            "newsroom_backup_last_success_timestamp_seconds",
            "When the last successful backup finished, in Unix time (0: never).",
            value=finished["last"].timestamp() if finished["last"] else 0,
        )


class ThisProcess:
    """prometheus_client's default registry (this process's requests, CPU, memory) inside a scrape's own."""

    def collect(self):
        return REGISTRY.collect()


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {error}") from error


def _from_allowed_address(request) -> bool:
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def _refusal(request) -> HttpResponse | None:
    """None when the request may read the metrics; else the answer: 403 for a wrong token, 404 for everyone
    else, so that the endpoint does not show itself to the internet."""
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if scheme:
        token = settings.METRICS_TOKEN
        if token and scheme.lower() == "bearer" and constant_time_compare(given.strip(), token):
            return None
        return HttpResponseForbidden(_("The metrics token is not valid."), content_type=PLAIN_TEXT)
    if _from_allowed_address(request):
        return None
    return HttpResponseNotFound(_("Not found."), content_type=PLAIN_TEXT)


@never_cache
@require_safe
def metrics(request):
    """The Prometheus text exposition, for a bearer METRICS_TOKEN or a direct request from
    METRICS_ALLOWED_IPS; 403 for a wrong token; 404 otherwise."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    registry = CollectorRegistry(auto_describe=False)
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(ThisProcess())
    registry.register(DatabaseCollector())
    # The format Prometheus asks for (OpenMetrics, text 1.0.0), else the classic text every version reads.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry), content_type=content_type)
