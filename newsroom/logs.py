"""Structured logs: one JSON object a line (LOG_FORMAT=json) or plain text, each record tagged with the id of
the request it belongs to, and one access line per request.

Loaded by settings.LOGGING before the apps are ready: nothing here may import a model at module level.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

access_logger = logging.getLogger("newsroom.access")

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id, a UUID, a trace id); anything else, which could
# smuggle line breaks or markup into the log, is replaced by an id of our own.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{7,127}")
NO_REQUEST = "-"
UNMATCHED_ROUTE = "unmatched"
STATIC_ROUTE = "static"
# Routes whose successful answers are probes, not traffic: logged at DEBUG, so INFO shows people's requests.
PROBE_ROUTES = {"healthz", "metrics"}

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being answered in this context, or "-" outside a request."""
    return _request_id.get()


def route_name(request) -> str:
    """The name of the URL pattern `request` matched ("wagtail_serve", "wagtailadmin_pages:edit"), never its
    raw path, so logs group by route and metric labels stay few; "static" for static files, "unmatched"
    when no pattern matched."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    # WhiteNoise answers static files before any URL pattern is looked at.
    return STATIC_ROUTE if request.path.startswith(settings.STATIC_URL) else UNMATCHED_ROUTE


class RequestContextFilter(logging.Filter):
    """Add `request_id` to every record, whichever logger wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request reports an error answer after the middleware has finished, outside the
            # request's context, but it hands over the request.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, the record's extra fields
    (request_id on every record), and a failure's whole traceback in one "exception" field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault(
            "rename_fields",
            {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
        )
        # django.request attaches the request object: its repr carries the query string, which may hold
        # a token. The access line has what is worth keeping.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        # Vietnamese stays readable in the log.
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging.Formatter's name)
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


def _incoming_request_id(request) -> str | None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if REQUEST_ID_PATTERN.fullmatch(given) else None


def _user_id(request) -> int | None:
    # Only a user the request already loaded: reading request.user here would cost a session and a user
    # query on requests that never needed them, and fail when the database is what is down.
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """Give each request an id (the proxy's well-formed X-Request-ID, else a new one), tag every record
    logged while answering it, echo the id in the response's X-Request-ID, and log one access line on
    "newsroom.access" with method, path, route, status, duration and user id.

    First in MIDDLEWARE, so that every other middleware's records and answers carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self.log_access(request, response, time.perf_counter() - started)
        finally:
            _request_id.reset(token)
        return response

    @staticmethod
    def log_access(request, response, seconds: float) -> None:
        route = route_name(request)
        level = logging.DEBUG if route in PROBE_ROUTES and response.status_code < 400 else logging.INFO
        duration_ms = round(seconds * 1000, 1)
        access_logger.log(
            level,
            "%s %s %s %s ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
