"""One webhook POST, with the same protection against server-side request forgery as
document URLs (``faxes.fetch``): the host is resolved once, every address must be
public (loopback only with ``FAXPORTAL_FETCH_ALLOW_LOOPBACK``), and the connection goes
to exactly the address that was checked, so DNS rebinding cannot redirect it.

Redirects are not followed: a 3xx is a failed delivery like any other non-2xx, and an
endpoint that moved must be updated by its owner.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass

from django.conf import settings

# The address checks and connection helpers of the document fetcher, reused so both
# kinds of outgoing request obey one set of SSRF rules.
from faxes.fetch import (
    CONNECT_TIMEOUT,
    DocumentFetchError,
    _checked_addresses,
    _connect,
    _parse,
    _ssl_context,
    _Watchdog,
)

USER_AGENT = "faxportal-webhooks/1"
RESPONSE_EXCERPT = 2048  # bytes of the endpoint's answer kept in the delivery log


class DeliveryError(Exception):
    """The request could not be made or got no HTTP answer; ``message`` is for the log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PostResult:
    status: int
    body: str  # the start of the response body, for the delivery log

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _reason(exc: DocumentFetchError) -> str:
    return exc.message.removeprefix("could not retrieve file: ")


def _allow_loopback() -> bool:
    return bool(settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK)


def check_url(url: str) -> None:
    """Refuse a URL whose scheme, form or resolved addresses are not allowed."""
    try:
        target = _parse(url)
        _checked_addresses(target, _allow_loopback())
    except DocumentFetchError as exc:
        raise DeliveryError(_reason(exc)) from None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST ``body`` as JSON; the answer (any status), or DeliveryError when there was none."""
    try:
        target = _parse(url)
        addresses = _checked_addresses(target, _allow_loopback())
    except DocumentFetchError as exc:
        raise DeliveryError(_reason(exc)) from None
    try:
        sock = _connect(addresses, target.port, min(CONNECT_TIMEOUT, timeout))
    except OSError:
        raise DeliveryError(f"cannot connect to {target.host}") from None
    conn = http.client.HTTPConnection(addresses[0], target.port)
    conn.sock = sock
    watchdog = None
    try:
        if target.scheme == "https":
            sock = _ssl_context().wrap_socket(
                sock, server_hostname=target.tls_name, do_handshake_on_connect=False
            )
            conn.sock = sock
        # Bounds the whole exchange, however slowly the endpoint drips its answer.
        watchdog = _Watchdog(sock, timeout)
        sock.settimeout(timeout)
        request_headers = {
            "Host": target.host_header,
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            **headers,
        }
        if target.authorization:
            request_headers["Authorization"] = target.authorization
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.do_handshake()
            conn.request("POST", target.request_path, body=body, headers=request_headers)
            response = conn.getresponse()
            excerpt = response.read(RESPONSE_EXCERPT)
        except ssl.SSLCertVerificationError:
            raise DeliveryError(
                f"the TLS certificate of {target.host} could not be verified"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            if watchdog.fired or isinstance(exc, TimeoutError):
                raise DeliveryError(f"timed out after {timeout:g} s") from None
            raise DeliveryError(f"no valid HTTP answer from {target.host}") from None
        if watchdog.fired:
            raise DeliveryError(f"timed out after {timeout:g} s")
        # NUL bytes cannot be stored in PostgreSQL text: the log update would fail on every try.
        text = excerpt.decode("utf-8", "replace").replace("\x00", "")
        return PostResult(status=response.status, body=text)
    finally:
        if watchdog is not None:
            watchdog.cancel()
        conn.close()
        sock.close()
