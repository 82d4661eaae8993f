"""Who is acting, and from where, for audit entries written far from the view (signal receivers, services).

AuditRequestMiddleware (newsroom.audit.middleware) makes the request being served available here; outside a
request (a management command, the worker) Wagtail's log context may still name a user."""

from __future__ import annotations

from contextvars import ContextVar

from wagtail.log_actions import get_active_log_context

_request: ContextVar = ContextVar("newsroom_audit_request", default=None)


def current_request():
    """The request being served in this thread or task, or None."""
    return _request.get()


def set_current_request(request):
    """Make `request` the current one; returns the token that `reset_current_request` takes."""
    return _request.set(request)


def reset_current_request(token) -> None:
    _request.reset(token)


def current_actor():
    """The signed-in user of the current request, else the user of Wagtail's active log context, else None."""
    request = current_request()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        return user
    user = get_active_log_context().user
    return user if user is not None and user.is_authenticated else None
