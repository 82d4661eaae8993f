"""The public page cache's key space, invalidated by generation rather than by clearing.

Django's Redis cache `clear()` is FLUSHDB, which would also wipe the channel layer and sessions that
share the server. Instead every key carries a generation number; publishing bumps it, and old
entries simply age out.
"""

from django.core.cache import caches

GENERATION_KEY = "page-cache-generation"


def _cache():
    return caches["pages"]


def generation() -> int:
    cache = _cache()
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def invalidate() -> None:
    """Make every cached page stale at once (after a publication changes what pages list)."""
    cache = _cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet
        cache.add(GENERATION_KEY, 2, timeout=None)


def key(*parts: str) -> str:
    return f"page:{generation()}:" + ":".join(parts)
