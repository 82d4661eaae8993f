"""Conditional GET and caching for every feed and API answer.

Each view names a cheap `freshness_of(request, **kwargs)`; its ETag and Last-Modified go through Django's
`condition`, so a reader who has the current version gets a 304 without the document being built.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe

from .selectors import Freshness, Scope, scope_for

# How long readers, proxies and CDNs may keep an answer without asking again (seconds).
FEED_MAX_AGE = 300
API_MAX_AGE = 60


def request_scope(request, section: str | None = None) -> Scope:
    """`scope_for` once per request: the freshness check and the view both need it."""
    cache = request.__dict__.setdefault("_distribution_scopes", {})
    if section not in cache:
        cache[section] = scope_for(request, section)
    return cache[section]


def known_freshness(request) -> Freshness | None:
    """What the `conditional` check of this request found, for the view to reuse (a feed's `updated`)."""
    return request.__dict__.get("_distribution_freshness")


def conditional(freshness_of: Callable[..., Freshness | None], *, max_age: int):
    """ETag and Last-Modified from `freshness_of` (called once per request), a 304 when the reader is up to
    date, and `Cache-Control: public, max-age` on 200 and 304 answers. Only GET and HEAD are allowed."""

    def decorator(view):
        def fresh(request, **kwargs) -> Freshness | None:
            if "_distribution_freshness" not in request.__dict__:
                request._distribution_freshness = freshness_of(request, **kwargs)
            return request._distribution_freshness

        def etag(request, *args, **kwargs):
            found = fresh(request, **kwargs)
            return found.etag if found else None

        def last_modified(request, *args, **kwargs):
            found = fresh(request, **kwargs)
            return found.last_modified if found else None

        checked = condition(etag_func=etag, last_modified_func=last_modified)(view)

        @wraps(view)
        @require_safe
        def wrapped(request, *args, **kwargs):
            response = checked(request, *args, **kwargs)
            if response.status_code in (200, 304):
                patch_cache_control(response, public=True, max_age=max_age)
            return response

        return wrapped

    return decorator
