"""The embedded install's cache (``faxportal.sqlite_cache``): Django's cache API on one SQLite file,
with add/incr atomic across threads, and ``faxportal.counters`` counting several keys at once."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import caches

from faxportal import counters
from faxportal.sqlite_cache import SQLiteCache


@pytest.fixture
def cache(settings, tmp_path) -> SQLiteCache:
    settings.CACHES = {
        "default": {
            "BACKEND": "faxportal.sqlite_cache.SQLiteCache",
            "LOCATION": str(tmp_path / "cache.sqlite3"),
        }
    }
    backend = caches["default"]
    assert isinstance(backend, SQLiteCache)
    return backend


def test_get_set_add_touch_delete(cache):
    assert cache.get("missing", "fallback") == "fallback"
    cache.set("k", {"any": ["picklable", 1]}, 30)
    assert cache.get("k") == {"any": ["picklable", 1]}
    assert cache.add("k", "other") is False  # live: kept
    assert cache.get("k") == {"any": ["picklable", 1]}
    assert cache.has_key("k") and cache.touch("k", 60)
    assert cache.delete("k") is True and cache.delete("k") is False
    assert cache.add("k", "new") is True and cache.get("k") == "new"
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    cache.clear()
    assert cache.get("a") is None


def test_expired_entries_are_gone_and_can_be_added_again(cache):
    cache.set("short", "x", 1)
    cache.set("zero", "x", 0)  # Django: timeout 0 expires at once
    assert cache.get("zero") is None
    time.sleep(1.1)
    assert cache.get("short") is None and not cache.has_key("short")
    assert cache.add("short", "again", 30) is True
    assert cache.get("short") == "again"
    with pytest.raises(ValueError):
        cache.incr("zero")


def test_incr_and_decr(cache):
    with pytest.raises(ValueError):
        cache.incr("n")
    cache.set("n", 5)
    assert cache.incr("n") == 6 and cache.incr("n", 10) == 16 and cache.decr("n") == 15


def test_add_and_incr_are_atomic_across_threads(cache):
    def work():
        for _ in range(50):
            caches["default"].add("hits", 0, 60)  # each thread has its own connection
            caches["default"].incr("hits")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("hits") == 400


def test_counters_count_all_keys_in_one_step(cache):
    assert counters.count(["ip", "token"], 60) == [1, 1]
    assert counters.count(["token"], 60) == [2]
    assert counters.count(["ip", "token"], 60) == [2, 3]
    assert cache.get("token") == 3  # plain cache entries

    seen: list[tuple[int, ...]] = []

    def work():
        for _ in range(25):
            seen.append(tuple(counters.count(["a", "b"], 60)))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every request saw the same count in both buckets: never the 100th in one and the
    # 101st in the other.
    assert sorted(seen) == [(n, n) for n in range(1, 201)]


def test_counters_on_redis(settings):
    import os

    import redis

    from tests.redis_service import require_redis

    url = require_redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"counters-test-{os.urandom(4).hex()}",
        }
    }
    cache = caches["default"]
    assert counters.count(["ip", "token"], 60) == [1, 1]
    assert counters.count(["ip", "token"], 60) == [2, 2]
    assert cache.get("ip") == 2  # readable through Django
    client = redis.Redis.from_url(url)
    assert 0 < client.ttl(cache.make_key("ip")) <= 60  # created with the window's lifetime
    cache.delete_many(["ip", "token"])


def test_a_window_counts_or_only_reads(cache):
    buckets = [("ip:192.0.2.1", 2), ("user:7", 1)]
    first = counters.window("test", buckets, 900, now=1000.0)
    assert [(u.count, u.remaining, u.exceeded) for u in first] == [(1, 1, False), (1, 0, False)]
    assert {u.reset for u in first} == {800}  # the 900 s window ends at 1800
    peek = counters.window("test", buckets, 900, now=1000.0, increment=False)
    assert [u.count for u in peek] == [1, 1]  # read, not counted
    assert [u.exceeded for u in counters.window("test", buckets, 900, now=1000.0)] == [False, True]
    assert [u.count for u in counters.window("test", buckets, 900, now=1800.0)] == [1, 1]


def test_login_limiter_is_exact_when_its_ip_and_name_buckets_race(cache, settings):
    """Attempts for one name from one address count in two buckets; counted in one step,
    exactly the budget passes (one bucket at a time, a race refuses some in each)."""
    from django.test import RequestFactory

    from accounts import login_limits

    settings.FAXPORTAL_LOGIN_RATE = "60/h"
    passed: list[bool] = []

    def work():
        request = RequestFactory().post("/login/", REMOTE_ADDR="2001:db8:7::1")
        for _ in range(10):
            passed.append(login_limits.attempt(request, username="Alice@Acme.test") is None)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert passed.count(True) == 60
    # The same /64 and the same name in any case: already full.
    request = RequestFactory().post("/login/", REMOTE_ADDR="2001:db8:7::2")
    assert login_limits.blocked(request, username="alice@acme.test")


@pytest.mark.parametrize(
    ("rate", "expected"), [("10/m", (10, 60)), ("100/2h", (100, 7200)), ("5/30s", (5, 30))]
)
def test_login_rates(rate, expected):
    from accounts import login_limits

    assert login_limits.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "ten/m", "10/0m", "10/w"])
def test_a_bad_login_rate_is_refused(rate):
    from django.core.exceptions import ImproperlyConfigured

    from accounts import login_limits

    with pytest.raises(ImproperlyConfigured):
        login_limits.parse_rate(rate)
