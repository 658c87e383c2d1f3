"""Counters that stay exact when many processes and threads count at once (rate limits).

``count(keys, timeout)`` adds one to every counter in ``keys`` *in one step* and returns the new
values. One step matters even with atomic increments: a request counted in two buckets (its
token's and its IP's) by two separate increments can be the 100th in one bucket and the 101st
in the other while a concurrent request is the reverse, and then both are refused although
only one was over the limit. So the increments of one request happen together:

- Redis (``FAXPORTAL_CACHE_URL``): one MULTI/EXEC transaction of SET NX EX + INCR per key;
- the embedded SQLite cache: one ``BEGIN IMMEDIATE`` transaction (``SQLiteCache.incr_many``);
- any other cache (tests' local-memory cache): ``add`` + ``incr`` per key, exact per key within
  one process.

Counters are ordinary cache entries (integers under the cache's own key prefix and version), so
``cache.get`` reads them, and they expire ``timeout`` seconds after they were created.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from faxportal.sqlite_cache import SQLiteCache


def count(keys: Sequence[str], timeout: int, cache: BaseCache | None = None) -> list[int]:
    """Add one to each counter (created at 0 with ``timeout`` when missing); the new values."""
    cache = cache or caches["default"]  # the backend itself, not the module-level proxy
    if isinstance(cache, SQLiteCache):
        return cache.incr_many(keys, timeout)
    if isinstance(cache, RedisCache):
        return _redis_count(cache, keys, timeout)
    return [_add_and_incr(cache, key, timeout) for key in keys]


def _redis_count(cache: RedisCache, keys: Sequence[str], timeout: int) -> list[int]:
    full = [cache.make_and_validate_key(key) for key in keys]
    client = cache._cache.get_client(full[0], write=True)
    pipe = client.pipeline(transaction=True)
    for key in full:
        pipe.set(key, 0, ex=timeout, nx=True)  # Django stores ints as plain integers
        pipe.incr(key)
    return [int(value) for value in pipe.execute()[1::2]]


def _add_and_incr(cache: BaseCache, key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired or evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1
