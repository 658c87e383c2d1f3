"""The one limiter of password checks: the browser login, Kazoo's ``user_auth``/``api_auth``
and Basic auth on /v2 all count here, per client IP and per login name.

``FAXPORTAL_LOGIN_RATE`` (e.g. ``10/m``) is the budget of each bucket. The IP bucket is
shared by every entry point, so switching from the login form to the API buys an
attacker nothing. Counters live in Django's cache (django-ratelimit), shared by all
web processes when the cache is Redis.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage


def _buckets(names: dict[str, str]) -> list[tuple[str, object]]:
    buckets: list[tuple[str, object]] = [("login:ip", "ip")]
    for kind, value in names.items():
        if value:
            buckets.append((f"login:{kind}", lambda _group, _request, v=value: v.lower()))
    return buckets


def _usage(request: HttpRequest, names: dict[str, str], *, increment: bool) -> int | None:
    rate = settings.FAXPORTAL_LOGIN_RATE
    wait: int | None = None
    # Evaluate every bucket so each counter advances on every attempt.
    for group, key in _buckets(names):
        usage = get_usage(request, group=group, key=key, rate=rate, method=ALL,
                          increment=increment)  # fmt: skip
        if usage and (usage["should_limit"] if increment else usage["count"] >= usage["limit"]):
            wait = max(wait or 1, usage["time_left"])
    return wait


def attempt(request: HttpRequest, **names: str) -> int | None:
    """Count one login attempt; the seconds to wait when over the limit, else None."""
    return _usage(request, names, increment=True)


def blocked(request: HttpRequest, **names: str) -> int | None:
    """Whether the buckets are already full (without counting); seconds to wait, or None."""
    return _usage(request, names, increment=False)
