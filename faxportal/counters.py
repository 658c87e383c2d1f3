"""Counters that stay exact when many processes and threads count at once: the one counting path
of every rate limit (both APIs' budgets in ``faxes.api.ratelimit``, the password and code checks
in ``accounts.login_limits``).

``window(namespace, buckets, period)`` counts one request in fixed windows of ``period`` seconds
(aligned to the epoch) and tells each bucket's use and the seconds until its window ends.

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

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from faxportal.sqlite_cache import SQLiteCache


@dataclass(frozen=True)
class Usage:
    """One bucket in the current window: its budget, the count so far, seconds until it ends."""

    limit: int
    count: int
    reset: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def window(
    namespace: str,
    buckets: Sequence[tuple[str, int]],
    period: int,
    *,
    now: float | None = None,
    increment: bool = True,
) -> list[Usage]:
    """Count one request in each ``(name, limit)`` bucket's current window (all in one step,
    see ``count``), or with ``increment=False`` only read the counts; each bucket's usage.
    Cache errors propagate: each limiter decides whether an outage opens or closes it."""
    now = time.time() if now is None else now
    window_id = int(now // period)
    window_end = (window_id + 1) * period
    reset = max(1, int(window_end - now + 0.999))
    keys = [f"ratelimit:{namespace}:{name}:{window_id}" for name, _ in buckets]
    if increment:
        # The keys outlive their window a little, so a late count never meets a key without
        # expiry.
        used = count(keys, timeout=int(window_end - now) + 60)
    else:
        found = caches["default"].get_many(keys)
        used = [int(found.get(key, 0)) for key in keys]
    return [Usage(limit, n, reset) for (_, limit), n in zip(buckets, used, strict=True)]


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
