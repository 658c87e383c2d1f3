"""A small HTTP client for carrier APIs: timeouts, bounded bodies, retries only where safe.

Requests go through :mod:`faxes.net` (httpx, pinned to the addresses of one lookup, system
CAs). Two entry points:

- :func:`call` talks to a carrier's API. It retries (with a short backoff) only when asked
  to, which callers do for reads and for requests the carrier treats idempotently (status
  polls, cancel); creating a fax is never retried here, because a timeout after the request
  left gives no way to know whether the carrier created it.
- :func:`download` fetches a received fax from the carrier, size-capped, following a few
  redirects. Credentials go only to the hosts the caller names (the carrier's own API
  hosts), never to a redirect target elsewhere such as a presigned storage URL.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings

from faxes import net
from faxes.failures import FaxFailure

log = logging.getLogger(__name__)

USER_AGENT = "faxportal-carrier-client/1"
MAX_RESPONSE_BYTES = 1024 * 1024  # API answers are small JSON documents
MAX_REDIRECTS = 3
MEDIA_DEADLINE = 60.0  # seconds at least for a whole media download, however slow the server
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class CarrierHTTPError(FaxFailure):
    """The carrier could not be reached, or a download failed (``carrier_unavailable``).

    ``status`` is the HTTP status when there was an answer. ``sent`` says whether the
    request may have reached the carrier (a timeout after sending leaves that open).
    ``permanent`` is False when trying again later may help: so by default; the raiser
    decides otherwise (a 4xx, a URL that can never work).
    """

    default_failure: ClassVar[str] = "carrier_unavailable"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        sent: bool = True,
        permanent: bool | None = None,
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.sent = sent


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: httpx.Headers = field(default_factory=httpx.Headers)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or {} when it is not JSON (error pages, empty bodies)."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}

    def excerpt(self, limit: int = 300) -> str:
        """A short printable piece of the body, for error messages and logs."""
        text = self.body[:limit].decode("utf-8", "replace")
        return " ".join(text.split())


def _timeout() -> float:
    return float(getattr(settings, "FAXPORTAL_CARRIER_HTTP_TIMEOUT", 20))


def _once(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    timeout: float,
    limit: int,
) -> Response:
    try:
        answer = net.request(
            method,
            url,
            headers=headers,
            body=body,
            allow_loopback=None,  # our own configured carrier hosts: pinned, not checked
            deadline=net.Deadline(timeout * 2),
            timeout=timeout,
            connect_timeout=timeout,
            max_bytes=limit,
        )
    except net.NetError as exc:
        if exc.kind == net.INVALID:
            message = f"invalid carrier URL {url!r}"
            raise CarrierHTTPError(message, sent=False, permanent=True) from None
        if exc.kind == net.TOO_LARGE:
            raise CarrierHTTPError(f"answer larger than {limit} bytes", permanent=True) from None
        if exc.timed_out and exc.stage == "body":
            raise CarrierHTTPError("timed out reading the answer") from None
        host = urlsplit(url).hostname
        what = "timed out" if exc.timed_out else "failed"
        raise CarrierHTTPError(f"request to {host} {what}: {exc.detail}", sent=exc.sent) from exc
    return Response(answer.status, answer.body or b"", answer.headers)


def call(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    json_body: Any = None,
    retries: int = 0,
    timeout: float | None = None,
) -> Response:
    """One request to a carrier API; any HTTP status is returned, network trouble raises.

    With ``retries`` the request is repeated after network errors, 408/425/429 and 5xx
    answers (0.5 s, then 1 s, … between tries); only pass it for idempotent requests.
    """
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    all_headers.update(headers or {})
    body = None
    if form is not None:
        body = urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers["Content-Type"] = "application/json"
    wait = 0.5
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = _once(
                method, url, all_headers, body, timeout or _timeout(), MAX_RESPONSE_BYTES
            )
        except CarrierHTTPError as exc:
            if last or exc.permanent:
                raise
            log.info("carrier request failed (%s), trying again", exc.message)
        else:
            if last or response.status not in _RETRYABLE:
                return response
            log.info("carrier answered %s, trying again", response.status)
        time.sleep(wait)
        wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def download(
    url: str,
    *,
    auth_headers: dict[str, str],
    auth_hosts: frozenset[str],
    max_bytes: int,
    timeout: float | None = None,
) -> tuple[bytes, str]:
    """Fetch a received fax: (bytes, content type). Raises CarrierHTTPError.

    ``auth_headers`` are sent only to hosts in ``auth_hosts`` (lower-case host names).
    4xx answers other than 408/429 are permanent; the caller may refresh the URL.
    Media hosts resolving to private or link-local addresses are refused (loopback only
    when ``FAXPORTAL_FETCH_ALLOW_LOOPBACK``): a media URL comes from a signed callback, but
    a leaked signing key must not turn the portal into a proxy into its own network.
    """
    timeout = timeout or _timeout()

    def headers(target: net.Target) -> dict[str, str]:
        hop = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
        if target.host.lower() in auth_hosts:
            hop.update(auth_headers)
        return hop

    try:
        answer = net.request(
            "GET",
            url,
            headers=headers,
            allow_loopback=bool(settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK),
            deadline=net.Deadline(max(timeout, MEDIA_DEADLINE)),
            timeout=timeout,
            connect_timeout=timeout,
            max_bytes=max_bytes,
            wants_body=lambda status: status == 200,
            redirects=MAX_REDIRECTS,
        )
    except net.NetError as exc:
        if exc.kind in (net.INVALID, net.RESOLVE, net.REFUSED):
            message = f"could not retrieve file: {exc.reason}"
            raise CarrierHTTPError(message, sent=False, permanent=exc.permanent) from None
        if exc.kind == net.TOO_LARGE:
            message = f"received fax larger than {max_bytes} bytes"
            raise CarrierHTTPError(message, permanent=True) from None
        if exc.kind == net.REDIRECTS:
            raise CarrierHTTPError("too many redirects", permanent=True) from None
        host = exc.host or urlsplit(url).hostname
        raise CarrierHTTPError(f"media download from {host} failed: {exc.detail}") from exc
    if answer.status != 200:
        raise CarrierHTTPError(
            f"media download answered HTTP {answer.status}",
            status=answer.status,
            permanent=answer.status < 500 and answer.status not in _RETRYABLE,
        )
    return answer.body or b"", answer.headers.get("Content-Type", "").split(";")[0].strip()
