"""Rate limits per token and per IP, their headers on every answer, and the shared counter."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from faxes.api import ratelimit
from tests.api_v1.conftest import inbound_fax
from tests.conftest import token_client
from tests.redis_service import require_redis

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_limits(settings):
    settings.FAXPORTAL_API_RATE_LIMIT = 3
    settings.FAXPORTAL_API_RATE_LIMIT_IP = 5
    settings.FAXPORTAL_API_RATE_WINDOW = 900


def test_headers_on_every_answer(acme):
    fax = inbound_fax(acme.account)
    client = token_client(acme.account, "fax:read")
    answers = [
        client.get("/api/v1/faxes"),  # 200
        client.get(f"/api/v1/faxes/{fax.pk}/download"),  # file
        client.get("/api/v1/faxes/nope"),  # 404
        client.get("/api/v1/faxes?page=0"),  # 400
        client.post("/api/v1/faxes/send"),  # 403
        APIClient().get("/api/v1/faxes"),  # 401
        client.get("/api/v1/not/a/route"),  # catch-all 404
    ]
    remaining = []
    for response in answers:
        assert response["RateLimit-Limit"] == "100"
        assert 0 < int(response["RateLimit-Reset"]) <= 900
        remaining.append(int(response["RateLimit-Remaining"]))
    assert remaining == [99, 98, 97, 96, 95, 94, 93]  # the IP's bucket is the tighter one


def test_token_limit_gives_429(acme, small_limits):
    client = token_client(acme.account, "fax:read")
    statuses = [client.get("/api/v1/faxes").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/faxes")
    assert response.json() == {
        "error": "too_many_requests",
        "message": "Rate limit exceeded: 3 requests per 15 minutes. "
        f"Expected available in {response['Retry-After']} seconds.",
    }
    assert response["RateLimit-Limit"] == "3" and response["RateLimit-Remaining"] == "0"
    assert int(response["Retry-After"]) == int(response["RateLimit-Reset"])


def test_ip_limit_covers_every_token_and_bad_tokens(acme, small_limits):
    first = token_client(acme.account, "fax:read")
    second = token_client(acme.account, "fax:read")
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Bearer faxapi_guess-guess-guess-guess")
    assert [first.get("/api/v1/faxes").status_code for _ in range(2)] == [200, 200]
    assert [guesser.get("/api/v1/faxes").status_code for _ in range(2)] == [401, 401]
    assert second.get("/api/v1/faxes").status_code == 200
    assert second.get("/api/v1/faxes").status_code == 429  # 6th request from this IP
    other_ip = second.get("/api/v1/faxes", REMOTE_ADDR="192.0.2.7")
    # A new IP, but the token's own bucket is used up now (3 of 3).
    assert other_ip.status_code == 200 and other_ip["RateLimit-Remaining"] == "0"
    assert second.get("/api/v1/faxes", REMOTE_ADDR="192.0.2.7").status_code == 429
    fresh = token_client(acme.account, "fax:read").get("/api/v1/faxes", REMOTE_ADDR="192.0.2.7")
    assert fresh.status_code == 200 and fresh["RateLimit-Remaining"] == "2"


def test_window_resets(settings):
    settings.FAXPORTAL_API_RATE_LIMIT_IP = 2
    request = RequestFactory().get("/api/v1/faxes")
    states = [ratelimit.hit(request, now=1000.0) for _ in range(3)]
    assert [s.exceeded for s in states] == [False, False, True]
    assert states[0].reset == 800  # the 900 s window ends at 1800
    assert not ratelimit.hit(request, now=1800.5).exceeded


def test_limits_can_be_switched_off(acme, settings):
    settings.FAXPORTAL_API_RATE_LIMIT = 0
    settings.FAXPORTAL_API_RATE_LIMIT_IP = 0
    response = token_client(acme.account).get("/api/v1/faxes")
    assert response.status_code == 200 and "RateLimit-Limit" not in response


def test_cache_outage_fails_open(acme, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "_count", broken)
    assert token_client(acme.account).get("/api/v1/faxes").status_code == 200


COUNTER = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "faxportal.settings"
django.setup()
from django.test import RequestFactory
from faxes.api import ratelimit
request = RequestFactory().get("/api/v1/faxes", REMOTE_ADDR=sys.argv[1])
for _ in range(50):
    ratelimit.hit(request, now=5000.0)
"""


def test_counts_are_shared_across_processes_through_redis(tmp_path, settings):
    import redis

    redis_url = require_redis()
    address = f"198.51.100.{os.getpid() % 250}"
    env = {
        **os.environ,
        "FAXPORTAL_CACHE_URL": redis_url,
        "FAXPORTAL_DATA_DIR": str(tmp_path),
        "FAXPORTAL_API_RATE_LIMIT_IP": "1000",
    }
    redis.Redis.from_url(redis_url).delete(
        *redis.Redis.from_url(redis_url).keys(f"*ratelimit:v1:ip:{address}:*") or ["none"]
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", COUNTER, address], cwd=ROOT, env=env)
        for _ in range(4)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    # A fifth process sees every count of the other four: 200 used, this is the 201st.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.FAXPORTAL_API_RATE_LIMIT_IP = 1000
    state = ratelimit.hit(RequestFactory().get("/", REMOTE_ADDR=address), now=5000.0)
    assert state.remaining == 1000 - 201


HAMMER = """
import django, os, sys, threading, time
os.environ["DJANGO_SETTINGS_MODULE"] = "faxportal.settings"
django.setup()
from django.test import RequestFactory
from faxes.api import ratelimit
address, token, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
limits = ratelimit.Limits.kazoo() if sys.argv[4] == "kazoo" else ratelimit.Limits.native()
passed = []

def hammer():
    request = RequestFactory().get(
        "/api/v1/faxes", REMOTE_ADDR=address, HTTP_AUTHORIZATION="Bearer " + token
    )
    for _ in range(THREAD_HITS):
        passed.append(not ratelimit.hit(request, now=7000.0, limits=limits).exceeded)

threads = [threading.Thread(target=hammer) for _ in range(THREADS)]
time.sleep(max(0.0, start_at - time.time()))  # every process starts at the same moment
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sum(passed))
"""
PROCESSES, THREADS, THREAD_HITS, LIMIT = 4, 8, 10, 200


@pytest.mark.parametrize(
    ("backend", "api"), [("embedded", "v1"), ("redis", "v1"), ("embedded", "kazoo")]
)
def test_limit_is_exact_under_processes_and_threads(backend, api, tmp_path):
    """4 processes x 8 threads hit one token from one IP 320 times: exactly the limit passes,
    whatever the cache: the embedded default (no FAXPORTAL_CACHE_URL) or Redis; for the native
    API and for Kazoo's budget."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FAXPORTAL_", "DJANGO_", "DATABASE_URL", "CELERY_"))
    }
    env.update(
        FAXPORTAL_DATA_DIR=str(tmp_path),
        FAXPORTAL_API_RATE_LIMIT=str(LIMIT),
        FAXPORTAL_API_RATE_LIMIT_IP=str(LIMIT),
        FAXPORTAL_KAZOO_RATE_LIMIT=str(LIMIT),
        FAXPORTAL_KAZOO_RATE_LIMIT_IP=str(LIMIT),
    )
    if backend == "redis":
        env["FAXPORTAL_CACHE_URL"] = require_redis()
    # Fresh buckets on a shared Redis: an address and a token nobody used before.
    unique = os.urandom(6).hex()
    address = f"2001:db8::{unique[:4]}:{unique[4:8]}:{unique[8:]}"
    script = HAMMER.replace("THREAD_HITS", str(THREAD_HITS)).replace("THREADS", str(THREADS))
    start_at = str(time.time() + 4)  # after every interpreter has loaded Django
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, address, f"faxapi_{unique}", start_at, api],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    passed = [int(w.communicate(timeout=120)[0]) for w in workers]
    assert [w.returncode for w in workers] == [0] * PROCESSES
    assert sum(passed) == LIMIT, passed
