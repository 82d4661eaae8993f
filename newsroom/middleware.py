"""A full-page cache for anonymous readers of the public sites.

Every agency's front page is read far more often than it changes, so whole responses are kept in the
"pages" cache for PAGE_CACHE_SECONDS. Keys carry newsroom.page_cache's generation, which newsroom.signals
bumps whenever a page is published or unpublished, so a correction reaches readers at once.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import translation

from . import page_cache

CACHE_ALIAS = "pages"
# Staff screens, private downloads and language switching are never cached.
UNCACHED_PREFIXES = ("/admin/", "/documents/", "/i18n/", "/api/")
# Headers stored with a cached page; the rest (Set-Cookie above all) are never replayed.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "Cache-Control", "Last-Modified", "ETag")


class PageCacheMiddleware:
    """Serve public GET and HEAD pages from the "pages" cache, marked `X-Cache: HIT` or `MISS`.

    Off when settings.PAGE_CACHE_SECONDS is 0. Skips staff (a session cookie or a signed-in user),
    responses other than 200, responses that set cookies (now or in the session and CSRF middleware)
    or say they are private, and streaming responses.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0 or not self.is_cacheable_request(request):
            return self.get_response(request)
        cache = caches[CACHE_ALIAS]
        key = self.cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content, headers=headers)
            response["X-Cache"] = "HIT"
            return response
        response = self.get_response(request)
        if self.is_cacheable_response(request, response):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (response.content, headers), seconds)
        response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def is_cacheable_request(request) -> bool:
        if request.method not in {"GET", "HEAD"}:
            return False
        if request.path.startswith(UNCACHED_PREFIXES):
            return False
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)

    @staticmethod
    def is_cacheable_response(request, response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        # A page with an inline script carries this request's CSP nonce (newsroom.hardening).
        if getattr(request, "_csp_nonce", None):
            return False
        # The session and CSRF middleware add their cookies after this one: a page that used a CSRF token
        # (a password form) or changed the session would hand one reader's cookie to the next.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        return not any(word in cache_control for word in ("private", "no-store", "no-cache"))

    @staticmethod
    def cache_key(request) -> str:
        """One entry per host, port, path with query string, and language; GET and HEAD share it."""
        parts = [
            request.get_host(),
            request.get_port(),
            request.get_full_path(),
            translation.get_language() or "",
        ]
        # Hashed, so that long or odd paths make keys every cache backend accepts.
        return page_cache.key(hashlib.sha256("\n".join(parts).encode()).hexdigest())


class AtomicPublishingMiddleware:
    """Run the page editor's writes (save, publish, unpublish, workflow actions) in one transaction.

    Wagtail's editor publishes in several statements; apps that react to publication (the delivery outbox)
    write in `page_published` receivers. One transaction makes a publication and everything it sets off
    commit together, or not at all.
    """

    PREFIXES = ("/admin/pages/", "/admin/workflow/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.path.startswith(self.PREFIXES):
            return self.get_response(request)
        from django.db import transaction

        with transaction.atomic():
            return self.get_response(request)
