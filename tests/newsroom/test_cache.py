"""The Redis cache backend: one client per server for the process, and counters in one round trip."""

import threading

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from newsroom.cache import RedisCache, hit

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="No Redis configured (REDIS_URL)")


@needs_redis
def test_cache_objects_of_every_request_share_one_client():
    # Under ASGI each request (each async context, here each thread) gets its own cache object.
    seen = []

    def use_cache():
        backend = caches["default"]
        backend.get("anything")
        seen.append((backend, backend._cache, backend._cache.get_client()))

    threads = [threading.Thread(target=use_cache) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(seen[0][0], RedisCache)
    assert len({id(backend) for backend, _c, _r in seen}) == 3
    assert len({id(client) for _b, client, _r in seen}) == 1
    assert len({id(redis) for _b, _c, redis in seen}) == 1


@needs_redis
def test_hit_counts_and_expires_in_one_round_trip():
    backend = caches["analytics"]
    assert [hit(backend, "test-hit", 60) for _ in range(3)] == [1, 2, 3]
    client = backend._cache.get_client()
    assert 0 < client.ttl(backend.make_and_validate_key("test-hit")) <= 60
    backend.delete("test-hit")


def test_hit_without_redis():
    backend = LocMemCache("test-hit", {})
    assert [hit(backend, "key", 60) for _ in range(3)] == [1, 2, 3]
