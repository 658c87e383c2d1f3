"""A small HTTP client for carrier APIs: timeouts, bounded bodies, retries only where safe.

No new dependency: ``http.client`` with the system CAs. Two entry points:

- :func:`call` talks to a carrier's API. It retries (with a short backoff) only when asked
  to, which callers do for reads and for requests the carrier treats idempotently (status
  polls, cancel); creating a fax is never retried here, because a timeout after the request
  left gives no way to know whether the carrier created it.
- :func:`download` fetches a received fax from the carrier, size-capped, following a few
  redirects. Credentials go only to the hosts the caller names (the carrier's own API
  hosts), never to a redirect target elsewhere such as a presigned storage URL.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings

from faxes.fetch import DocumentFetchError, _checked_addresses, _parse

log = logging.getLogger(__name__)

USER_AGENT = "faxportal-carrier-client/1"
MAX_RESPONSE_BYTES = 1024 * 1024  # API answers are small JSON documents
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
_CHUNK = 64 * 1024


class CarrierHTTPError(Exception):
    """The carrier could not be reached, or a download failed.

    ``status`` is the HTTP status when there was an answer. ``sent`` says whether the
    request may have reached the carrier (a timeout after sending leaves that open).
    ``permanent`` is False when trying again later may help.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        sent: bool = True,
        permanent: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.sent = sent
        self.permanent = permanent


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Message = field(default_factory=Message)

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


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CarrierHTTPError(f"invalid carrier URL {url!r}", sent=False, permanent=True)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # An explicit port: http.client would read the last group of an IPv6 literal as one.
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    return conn, path


def _read(response: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    length = (response.getheader("Content-Length") or "").strip()
    if length.isdigit() and int(length) > limit:
        raise CarrierHTTPError(f"answer larger than {limit} bytes", permanent=True)
    data = bytearray()
    while chunk := response.read1(_CHUNK):
        data += chunk
        if len(data) > limit:
            raise CarrierHTTPError(f"answer larger than {limit} bytes", permanent=True)
        if time.monotonic() > deadline:
            raise CarrierHTTPError("timed out reading the answer")
    return bytes(data)


def _once(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    timeout: float,
    limit: int,
) -> Response:
    conn, path = _connection(url, timeout)
    deadline = time.monotonic() + timeout * 2
    sent = False
    try:
        conn.connect()
        sent = True  # from here on the carrier may have seen the request
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        return Response(answer.status, _read(answer, limit, deadline), answer.msg)
    except CarrierHTTPError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        host = urlsplit(url).hostname
        what = "timed out" if isinstance(exc, TimeoutError | socket.timeout) else "failed"
        raise CarrierHTTPError(f"request to {host} {what}: {exc}", sent=sent) from exc
    finally:
        conn.close()


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


def _host_allowed(url: str) -> None:
    """Refuse media hosts resolving to private or link-local addresses (loopback only
    when ``FAXPORTAL_FETCH_ALLOW_LOOPBACK``): a media URL comes from a signed callback, but
    a leaked signing key must not turn the portal into a proxy into its own network."""
    try:
        # The URL as given, so an IPv6 literal keeps its brackets.
        _checked_addresses(_parse(url), settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK)
    except DocumentFetchError as exc:
        raise CarrierHTTPError(exc.message, sent=False, permanent=exc.permanent) from None


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
    """
    timeout = timeout or _timeout()
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        host = (parts.hostname or "").lower()
        _host_allowed(current)
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
        if host in auth_hosts:
            headers.update(auth_headers)
        conn, path = _connection(current, timeout)
        deadline = time.monotonic() + max(timeout, 60.0)
        try:
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            location = answer.getheader("Location") or ""
            if answer.status in _REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            if answer.status != 200:
                raise CarrierHTTPError(
                    f"media download answered HTTP {answer.status}",
                    status=answer.status,
                    permanent=answer.status < 500 and answer.status not in _RETRYABLE,
                )
            data = _read(answer, max_bytes, deadline)
            return data, (answer.getheader("Content-Type") or "").split(";")[0].strip()
        except CarrierHTTPError as exc:
            if "larger than" in exc.message:
                raise CarrierHTTPError(
                    f"received fax larger than {max_bytes} bytes", permanent=True
                ) from None
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise CarrierHTTPError(f"media download from {host} failed: {exc}") from exc
        finally:
            conn.close()
    raise CarrierHTTPError("too many redirects", permanent=True)
