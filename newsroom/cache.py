"""Django's Redis cache, with one client and one connection pool per server for the whole process.

Under ASGI Django makes a new cache object for every request (caches are per async context), and each built
its own connection pool, so every request opened new connections to Redis. Django's client also builds a new
`redis.Redis` for every operation, and redis-py 7 fills a dict of some 170 response callbacks in each one.
A `redis.Redis` and its pool are safe to share between threads (each command borrows a connection), so this
backend keeps one per server and options, shared by every cache object of the process.
"""

import threading

from django.core.cache.backends import redis as django_redis
from django.utils.functional import cached_property

_clients: dict[tuple, "RedisCacheClient"] = {}
_lock = threading.Lock()


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(django_redis.RedisCache):
    def hit(self, key: str, timeout: int) -> int:
        """Add one to the counter `key` (made, expiring after `timeout` seconds, if new) and return it: one
        round trip, where Django's add-then-incr takes three."""
        full_key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(write=True).pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout, nx=True)
        return pipe.execute()[0]

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = RedisCacheClient(self._servers, **self._options)
        return client


def hit(cache, key: str, timeout: int) -> int:
    """`cache.hit` where the backend has one; elsewhere add-then-incr (not atomic across processes, which a
    cache without Redis is not shared between anyway)."""
    if hasattr(cache, "hit"):
        return cache.hit(key, timeout)
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # Expired between add and incr.
        cache.add(key, 1, timeout=timeout)
        return 1
