"""One webhook POST through :mod:`faxes.net`, with the same protection against server-side
request forgery as document URLs: the host is resolved once, every address must be public
(loopback only with ``FAXPORTAL_FETCH_ALLOW_LOOPBACK``), and the connection goes to exactly
the address that was checked, so DNS rebinding cannot redirect it.

Redirects are not followed: a 3xx is a failed delivery like any other non-2xx, and an
endpoint that moved must be updated by its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings

from faxes import net
from faxes.failures import FaxFailure

USER_AGENT = "faxportal-webhooks/1"
RESPONSE_EXCERPT = 2048  # bytes of the endpoint's answer kept in the delivery log


class DeliveryError(FaxFailure):
    """The request could not be made or got no HTTP answer; ``message`` is for the log."""

    default_failure: ClassVar[str] = "webhook_undeliverable"


@dataclass(frozen=True)
class PostResult:
    status: int
    body: str  # the start of the response body, for the delivery log

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _allow_loopback() -> bool:
    return bool(settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK)


def check_url(url: str) -> None:
    """Refuse a URL whose scheme, form or resolved addresses are not allowed."""
    try:
        net.checked_addresses(net.parse(url), _allow_loopback())
    except net.NetError as exc:
        raise DeliveryError(exc.reason) from None


def _message(exc: net.NetError, host: str, timeout: float) -> str:
    if exc.stage == "connect" and exc.kind in (net.CONNECT, net.TIMEOUT):
        return f"cannot connect to {host}"
    if exc.timed_out:
        return f"timed out after {timeout:g} s"
    if exc.kind in (net.INVALID, net.RESOLVE, net.REFUSED, net.CERTIFICATE):
        return exc.reason
    return f"no valid HTTP answer from {host}"


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST ``body`` as JSON; the answer (any status), or DeliveryError when there was none."""
    try:
        target = net.parse(url)
    except net.NetError as exc:
        raise DeliveryError(exc.reason) from None
    request_headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers}
    if target.authorization:
        request_headers["Authorization"] = target.authorization
    try:
        answer = net.request(
            "POST",
            target,
            headers=request_headers,
            body=body,
            allow_loopback=_allow_loopback(),
            # Bounds the whole exchange, however slowly the endpoint drips its answer.
            deadline=net.Deadline(timeout),
            connect_timeout=min(net.CONNECT_TIMEOUT, timeout),
            max_bytes=RESPONSE_EXCERPT,
            truncate=True,
        )
    except net.NetError as exc:
        raise DeliveryError(_message(exc, target.host, timeout)) from None
    # NUL bytes cannot be stored in PostgreSQL text: the log update would fail on every try.
    text = (answer.body or b"").decode("utf-8", "replace").replace("\x00", "")
    return PostResult(status=answer.status, body=text)
