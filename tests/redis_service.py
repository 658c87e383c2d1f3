"""The Redis server tests of brokers and shared caches use, one database per xdist worker."""

from __future__ import annotations

import os

import pytest


def _worker_redis_url(base: str) -> str:
    """A Redis database of its own for each xdist worker (15, 14, … down from the given one).

    Two workers sharing one database would flush each other's queues, and their worker
    processes would take each other's tasks (for faxes in the other test database).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    prefix, _, number = base.rpartition("/")
    if not number.isdigit():
        return base
    return f"{prefix}/{(int(number) - index) % 16}"


REDIS_URL = _worker_redis_url(
    os.environ.get("FAXPORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)


def require_redis(flush: bool = False) -> str:
    """The test Redis URL; the test fails (services required) or skips when it is down."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("FAXPORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"required service unavailable: Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis at {REDIS_URL}: {exc}")
    if flush:
        client.flushdb()  # a private database number: stale messages would confuse the test
    return REDIS_URL
