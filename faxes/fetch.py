"""Fetch fax documents given by URL (Kazoo's ``document.url``, the native API's ``media_url``).

The URL comes from an API client and is fetched from inside our network, so besides the usual
limits (size, total time, redirects) every hop is checked against server-side request forgery:
the host is resolved once, *every* address it resolves to must be a public host (by the explicit
list in :mod:`faxes.special_addresses`), and the connection goes to exactly the address that was
checked. A second lookup at connect time could be answered differently by an attacker's DNS
server (DNS rebinding).

Everything that goes wrong ends as :class:`DocumentFetchError`, whose message is shown to the
sender and whose ``permanent`` flag tells the send engine whether retrying can help.
"""

from __future__ import annotations

import base64
import email.message
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

from django.conf import settings

from faxes import special_addresses

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0  # seconds, never more than what is left of the total timeout
USER_AGENT = "faxportal-document-fetcher/1"

_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_4XX = frozenset({408, 425, 429})  # the server asks us to come back later
_URL_SAFE = "/%:@!$&'()*+,;=-._~"
_HOST_CHARS = re.compile(r"^[A-Za-z0-9._:%-]+$")
# Shapes inet_aton() reads as IPv4 besides dotted quads: 2130706433, 0x7f.1, 0177.0.0.1.
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)

IPAddress = special_addresses.IPAddress


@dataclass(frozen=True)
class FetchedDocument:
    data: bytes
    content_type: str | None  # as sent by the server; decide by the bytes, not by this
    final_url: str  # after redirects
    filename: str | None  # from Content-Disposition, else the last segment of the URL path


class DocumentFetchError(Exception):
    """A document could not be fetched; ``message`` is written for the sender.

    ``permanent`` is False when trying again later may succeed (5xx, timeouts, network errors).
    """

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent

    def __repr__(self) -> str:
        return f"DocumentFetchError({self.message!r}, permanent={self.permanent})"


def _fail(reason: str, *, permanent: bool = True) -> DocumentFetchError:
    return DocumentFetchError(f"could not retrieve file: {reason}", permanent=permanent)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to. The one DNS lookup per hop; tests replace it."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ssl_context() -> ssl.SSLContext:
    """Verifying context with the system CAs (tests replace it to trust their own CA)."""
    return ssl.create_default_context()


# --- URLs and addresses --------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII name or IP literal as written, without brackets
    literal: IPAddress | None  # the host when it is an IP address in any accepted spelling
    port: int
    request_path: str
    host_header: str
    authorization: str | None  # from user:password@ in the URL, for this URL only

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def tls_name(self) -> str:
        # An oddly spelled IP (0x7f.1) is checked against the certificate in normal form.
        return str(self.literal) if self.literal is not None else self.host


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # Resolvers accept the inet_aton() spellings too; read them the same way so a refused
    # address cannot be smuggled in as "0x7f.1" or "2130706433".
    if _LEGACY_IPV4.match(host):
        with suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


def _parse(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _fail("invalid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _fail("only http and https URLs are allowed")
    hostname = parts.hostname or ""
    if not hostname.isascii():
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise _fail("invalid URL") from None
    if not _HOST_CHARS.match(hostname) or port == 0:
        raise _fail("invalid URL")

    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE + "?")
    shown = f"[{hostname}]" if ":" in hostname else hostname
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
    return _Target(
        url=url.strip(),
        scheme=scheme,
        host=hostname,
        literal=_literal_ip(hostname),
        port=port or (443 if scheme == "https" else 80),
        request_path=path,
        host_header=shown if port is None else f"{shown}:{port}",
        authorization=authorization,
    )


def _show(ip: IPAddress) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"  # Python 3.11 would print ::ffff:a00:1
    return str(ip)


def _checked_addresses(target: _Target, allow_loopback: bool) -> list[str]:
    """Resolve once and refuse if ANY address is not public: a name answering with one public
    and one private address must not get us to connect to the private one on a retry."""
    if target.literal is not None:
        candidates = [target.literal]
    else:
        try:
            resolved = resolve_host(target.host, target.port)
            candidates = [ipaddress.ip_address(address) for address in resolved]
        except socket.gaierror as exc:
            temporary = exc.errno == socket.EAI_AGAIN
            raise _fail(f"cannot resolve host {target.host}", permanent=not temporary) from None
        except (OSError, UnicodeError, ValueError):
            raise _fail(f"cannot resolve host {target.host}", permanent=False) from None
        if not candidates:
            raise _fail(f"cannot resolve host {target.host}", permanent=False)
    for ip in candidates:
        if not special_addresses.is_allowed(ip, allow_loopback=allow_loopback):
            # The host only: URLs may carry credentials or signed query strings.
            logger.warning("refused to fetch from %s: %s is not public", target.host, ip)
            raise _fail(f"the address {_show(ip)} is not allowed")
    return [str(ip) for ip in candidates]


# --- One request ---------------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise _fail("timed out", permanent=False)
        return left


class _Watchdog:
    """Shuts the socket down when the total timeout runs out.

    Socket timeouts apply to each recv(), so a server dripping a byte at a time could hold a
    worker far longer than the total timeout; this bounds the whole exchange instead.
    """

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with suppress(OSError):
            # The plain socket's shutdown(), not SSLSocket's, which would also tear down TLS
            # state that the reading thread may be using at this very moment.
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(ips: list[str], port: int, timeout: float) -> socket.socket:
    """Connect to the first reachable of the already checked addresses (never a name)."""
    error: OSError = OSError("no address")
    for ip in ips:
        try:
            return socket.create_connection((ip, port), timeout=timeout)
        except OSError as exc:
            error = exc
    raise error


def _too_large(limit: int) -> DocumentFetchError:
    if limit >= 1024 * 1024:
        size = f"{limit / (1024 * 1024):g} MB"
    elif limit >= 1024:
        size = f"{limit / 1024:g} KB"
    else:
        size = f"{limit} bytes"
    return _fail(f"larger than {size}")


def _read_body(response: http.client.HTTPResponse, limit: int) -> bytes:
    """Read at most ``limit`` bytes (after decoding), failing as soon as there are more."""
    length = (response.getheader("Content-Length") or "").strip()
    if length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    decoder = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    elif encoding != "identity":
        raise _fail(f"unsupported content encoding {encoding!r}")

    data = bytearray()
    received = 0
    while chunk := response.read1(_CHUNK):
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        if decoder is not None:
            # Bounding the output keeps a small compressed "bomb" from expanding in memory;
            # input left over means the output would have gone past the limit.
            chunk = decoder.decompress(chunk, limit + 1 - len(data))
            if decoder.unconsumed_tail:
                raise _too_large(limit)
        data += chunk
        if len(data) > limit:
            raise _too_large(limit)
    if response.length:  # http.client returns b"" when the peer closes before Content-Length
        raise _fail("the connection closed before the whole file arrived", permanent=False)
    if decoder is not None:
        data += decoder.decompress(b"", limit + 1 - len(data))
        if len(data) > limit:
            raise _too_large(limit)
        data += decoder.flush()
        if not decoder.eof:
            raise _fail("the compressed file is incomplete", permanent=False)
    return bytes(data)


def _network_error(exc: Exception, target: _Target) -> DocumentFetchError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _fail(f"the TLS certificate of {target.host} could not be verified")
    if isinstance(exc, TimeoutError):
        return _fail("timed out", permanent=False)
    if isinstance(exc, ssl.SSLError):
        return _fail(f"TLS error talking to {target.host}", permanent=False)
    if isinstance(exc, http.client.IncompleteRead):
        return _fail("the connection closed before the whole file arrived", permanent=False)
    if isinstance(exc, http.client.HTTPException):
        return _fail(f"invalid HTTP response from {target.host}", permanent=False)
    if isinstance(exc, zlib.error):
        return _fail("the server sent invalid compressed data")
    return _fail(f"cannot connect to {target.host}", permanent=False)


def _exchange(
    target: _Target,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    *,
    allow_loopback: bool,
    deadline: _Deadline,
    limit: int,
) -> tuple[int, email.message.Message, bytes | None]:
    """One request/response; the body is read only for 2xx responses."""
    ips = _checked_addresses(target, allow_loopback)
    try:
        sock = _connect(ips, target.port, min(CONNECT_TIMEOUT, deadline.remaining()))
    except OSError as exc:
        raise _network_error(exc, target) from exc
    # The Host header is set explicitly, so the connection's host is never used: the socket
    # is already open to the checked address.
    conn = http.client.HTTPConnection(ips[0], target.port)
    conn.sock = sock
    watchdog: _Watchdog | None = None
    try:
        if target.scheme == "https":
            sock = _ssl_context().wrap_socket(
                sock, server_hostname=target.tls_name, do_handshake_on_connect=False
            )
            conn.sock = sock
        watchdog = _Watchdog(sock, deadline.remaining())
        sock.settimeout(deadline.remaining())
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.do_handshake()
            conn.request(method.upper(), target.request_path, body=body, headers=headers)
            response = conn.getresponse()
            data = _read_body(response, limit) if 200 <= response.status < 300 else None
        except (OSError, http.client.HTTPException, zlib.error, DocumentFetchError) as exc:
            # Once the watchdog has cut the connection, whatever broke is due to the timeout.
            if watchdog.fired:
                raise _fail("timed out", permanent=False) from exc
            if isinstance(exc, DocumentFetchError):
                raise
            raise _network_error(exc, target) from exc
        if watchdog.fired:  # the shutdown may look like a normal end of the body
            raise _fail("timed out", permanent=False)
        return response.status, response.msg, data
    finally:
        if watchdog is not None:
            watchdog.cancel()
        conn.close()
        sock.close()


# --- Public entry point --------------------------------------------------------------------


def _header_ok(value: str) -> bool:
    return bool(value) and value.isascii() and value.isprintable()


def _filename(disposition: str | None, final_url: str) -> str | None:
    name = None
    if disposition:
        message = email.message.Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename()  # handles quoting and RFC 2231 filename*=
    if not name:
        name = unquote(urlsplit(final_url).path.rsplit("/", 1)[-1])
    # Never a path: keep the last component, drop control characters.
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    name = name.strip()
    return name if name and name not in (".", "..") else None


def fetch_document(
    url: str,
    *,
    method: str = "get",
    content: str | bytes | None = None,
    content_type: str | None = None,
    host: str | None = None,
    referer: str | None = None,
) -> FetchedDocument:
    """Download the document at ``url``; raise :class:`DocumentFetchError` on any failure.

    The options mirror Kazoo's fax ``document`` object: ``method`` is get or post,
    ``content`` the POST body (ignored for GET) sent as ``content_type``, ``host`` replaces
    the Host header (for the original server only, not for redirects elsewhere) and
    ``referer`` is sent as Referer.
    """
    verb = method.lower() if isinstance(method, str) else ""
    if verb not in ("get", "post"):
        raise _fail(f"unsupported method {method!r}, use get or post")
    for name, value in (("Host", host), ("Referer", referer), ("Content-Type", content_type)):
        if value is not None and not _header_ok(value):
            raise _fail(f"invalid {name} header")
    body = None
    if verb == "post":
        body = content.encode() if isinstance(content, str) else (content or b"")

    limit = int(getattr(settings, "FAXPORTAL_MAX_DOCUMENT_BYTES", DEFAULT_MAX_BYTES))
    timeout = float(getattr(settings, "FAXPORTAL_FETCH_TIMEOUT", DEFAULT_TIMEOUT))
    allow_loopback = bool(getattr(settings, "FAXPORTAL_FETCH_ALLOW_LOOPBACK", False))
    deadline = _Deadline(timeout)
    try:
        first = target = _parse(url)
        for _hop in range(MAX_REDIRECTS + 1):
            headers = {
                "Host": host if host and target.origin == first.origin else target.host_header,
                "User-Agent": USER_AGENT,
                "Accept": "*/*",
                "Accept-Encoding": "identity",  # decoded anyway if a server ignores this
            }
            if referer:
                headers["Referer"] = referer
            if target.authorization:
                headers["Authorization"] = target.authorization
            if body is not None and content_type:
                headers["Content-Type"] = content_type
            status, response_headers, data = _exchange(
                target,
                verb,
                body,
                headers,
                allow_loopback=allow_loopback,
                deadline=deadline,
                limit=limit,
            )
            location = (response_headers.get("Location") or "").strip()
            if status in _REDIRECT_STATUSES and location:
                target = _parse(urljoin(target.url, location))
                if status in (301, 302, 303) and verb == "post":
                    verb, body = "get", None  # as browsers do; 307/308 repeat the POST
                continue
            if data is None:
                retry = status >= 500 or status in _RETRYABLE_4XX
                raise DocumentFetchError(
                    f"could not retrieve file, HTTP response {status}", permanent=not retry
                )
            return FetchedDocument(
                data=data,
                content_type=(response_headers.get("Content-Type") or "").strip() or None,
                final_url=target.url,
                filename=_filename(response_headers.get("Content-Disposition"), target.url),
            )
        raise _fail("too many redirects")
    except DocumentFetchError:
        raise
    except Exception as exc:  # never let a raw exception reach the send engine
        logger.exception("unexpected error fetching a document")
        raise _fail("unexpected error", permanent=False) from exc
