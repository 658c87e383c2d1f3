"""Fixed-window rate limits of both APIs (native and Kazoo), per token or user and per
client IP.

Counters live in Django's cache so every web process shares them (Redis in
production through ``FAXPORTAL_CACHE_URL``, one SQLite file on the embedded
install). One key per bucket and window; a request's buckets are counted in one
atomic step (``faxportal.counters.window``, the login limiter's counting path too),
so concurrent requests never lose a count and exactly the limit passes.
django-ratelimit's ``get_usage`` counts one bucket per call: a request then can be
the last allowed in one bucket and over in the other while a concurrent request is
the reverse, and both are refused (fewer than the limit pass).

The bucket is chosen before authentication, from the presented credential
itself (a digest of the token, never the token), so requests with made-up
tokens are counted too and cannot be used to guess tokens faster than the
IP limit allows.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.authentication import read_token_header
from faxportal import counters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    exceeded: bool

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def _client_ip(request: HttpRequest) -> str:
    # Behind a proxy, have it set REMOTE_ADDR (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or "unknown"


def _principal_key(request: HttpRequest) -> str | None:
    secret = read_token_header(request)
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    user = getattr(request, "user", None)  # Django's session user (AuthenticationMiddleware)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _count(limits: Limits, buckets: list[tuple[str, int]], now: float) -> list[counters.Usage]:
    return counters.window(limits.namespace, buckets, limits.window, now=now)


@dataclass(frozen=True)
class Limits:
    """One API's budget: requests per window per token (or user) and per client IP."""

    namespace: str
    per_principal: int
    per_ip: int
    window: int

    @classmethod
    def native(cls) -> Limits:
        return cls(
            "v1",
            settings.FAXPORTAL_API_RATE_LIMIT,
            settings.FAXPORTAL_API_RATE_LIMIT_IP,
            settings.FAXPORTAL_API_RATE_WINDOW,
        )

    @classmethod
    def kazoo(cls) -> Limits:
        return cls(
            "v2",
            settings.FAXPORTAL_KAZOO_RATE_LIMIT,
            settings.FAXPORTAL_KAZOO_RATE_LIMIT_IP,
            settings.FAXPORTAL_API_RATE_WINDOW,
        )


def hit(
    request: HttpRequest, now: float | None = None, limits: Limits | None = None
) -> RateState | None:
    """Count this request in its buckets; the tightest bucket's state (None: no limits)."""
    limits = limits or Limits.native()
    buckets: list[tuple[str, int]] = []
    if limits.per_ip:
        buckets.append((f"ip:{_client_ip(request)}", limits.per_ip))
    principal = _principal_key(request)
    if principal and limits.per_principal:
        buckets.append((principal, limits.per_principal))
    if not buckets:
        return None
    now = time.time() if now is None else now
    try:
        used = _count(limits, buckets, now)  # every bucket in one step: see faxportal.counters
    except Exception:
        # A cache outage must not take the API down with it: serve unlimited, loudly.
        log.exception("rate limit cache unavailable; request not counted")
        return None
    tightest: RateState | None = None
    for usage in used:
        state = RateState(usage.limit, usage.remaining, usage.reset, usage.exceeded)
        if tightest is None or (state.exceeded, -state.remaining) > (
            tightest.exceeded,
            -tightest.remaining,
        ):
            tightest = state
    return tightest


class RateLimitThrottle(BaseThrottle):
    """A DRF throttle over ``hit``: one API's ``Limits`` per token (or user) and per IP.

    Both APIs run it before authentication (their base views' ``initial``), so the
    bucket is the presented credential and made-up tokens are counted too. The state
    of the request is kept on it (``request.rate_state``) for the answer's headers."""

    @staticmethod
    def limits() -> Limits:
        return Limits.native()

    def allow_request(self, request: Request, view: APIView) -> bool:
        plain = request._request  # Django's request: its .user is the session, not DRF's
        self.state = hit(plain, limits=self.limits())
        plain.rate_state = self.state  # type: ignore[attr-defined]
        return self.state is None or not self.state.exceeded

    def wait(self) -> float | None:
        return None if self.state is None else self.state.reset


class KazooRateThrottle(RateLimitThrottle):
    @staticmethod
    def limits() -> Limits:
        return Limits.kazoo()
