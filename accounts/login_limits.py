"""The one limiter of password and code checks: the browser login, Kazoo's
``user_auth``/``api_auth`` and Basic auth on /v2 all count here, per client IP and per login
name; the second login step and the two-factor pages count in their own groups.

``FAXPORTAL_LOGIN_RATE`` (e.g. ``10/m``) is the budget of each bucket. The IP bucket is
shared by every entry point, so switching from the login form to the API buys an
attacker nothing. IPv6 clients are counted per /64 (one subscriber's usual prefix).
Counters live in Django's cache and are counted through the APIs' counting path
(``faxportal.counters.window``: every bucket of an attempt in one atomic step), shared by
all web processes, on Redis or the embedded SQLite cache. A cache outage is an error here
(no password checks unlimited), where the APIs' request budgets fail open.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from faxportal import counters

_RATE = re.compile(r"(\d+)/(\d*)([smhd])?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"``, ``"100/2h"``, ``"5/30s"`` → (attempts, seconds)."""
    match = _RATE.match(rate.strip().lower())
    if match is None or int(match[2] or 1) < 1:
        raise ImproperlyConfigured(f"FAXPORTAL_LOGIN_RATE: {rate!r} is not like 10/m")
    return int(match[1]), int(match[2] or 1) * _UNIT_SECONDS[match[3] or "s"]


def _client_network(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _digest(value: str) -> str:
    # Login names are user input: a fixed-length, cache-safe key that does not store them.
    return hashlib.sha256(value.lower().encode()).hexdigest()[:32]


def _usage(
    request: HttpRequest, group: str, names: dict[str, str], *, ip: bool, increment: bool
) -> int | None:
    limit, period = parse_rate(settings.FAXPORTAL_LOGIN_RATE)
    buckets = [(f"ip:{_client_network(request)}", limit)] if ip else []
    # Every bucket is counted on every attempt, so each counter advances.
    buckets += [(f"{kind}:{_digest(value)}", limit) for kind, value in names.items() if value]
    if not buckets:
        return None
    used = counters.window(group, buckets, period, increment=increment)
    full = [u for u in used if (u.exceeded if increment else u.count >= u.limit)]
    return max(u.reset for u in full) if full else None


def attempt(request: HttpRequest, **names: str) -> int | None:
    """Count one login attempt; the seconds to wait when over the limit, else None."""
    return _usage(request, "login", names, ip=True, increment=True)


def blocked(request: HttpRequest, **names: str) -> int | None:
    """Whether the buckets are already full (without counting); seconds to wait, or None."""
    return _usage(request, "login", names, ip=True, increment=False)


def attempt_in(request: HttpRequest, group: str, *, ip: bool = True, **names: str) -> int | None:
    """Count one attempt in ``group``'s own buckets (a second factor's codes, say); the
    seconds to wait when over the limit, else None."""
    return _usage(request, group, names, ip=ip, increment=True)
