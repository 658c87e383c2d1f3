"""The one outbound HTTP client: document URLs, carrier APIs and media, webhook endpoints.

Requests go through httpx on a transport whose every connection is pinned to addresses checked
here, never to a name: the host is resolved once, *every* address it resolves to must be a public
host (by the explicit list in :mod:`faxes.special_addresses`; loopback only when the caller allows
it), and the socket is opened to exactly those addresses. A second lookup at connect time could be
answered differently by an attacker's DNS server (DNS rebinding). The URL keeps the host name, so
TLS sends it as SNI and checks the certificate against it (an IP literal in its normal form).

Every hop of a redirect is parsed and checked again; headers are built per hop by the caller, so
credentials go only to the origin they belong to. Bodies are read while streaming with a size cap
that also holds after gzip/deflate decoding, and every socket operation is bounded by what is left
of one total deadline, so a server dripping a byte at a time cannot hold a worker past it.

Everything that goes wrong ends as :class:`NetError`, whose ``reason`` is written for people and
whose ``kind`` lets each caller word it its own way. No Django, no models: callers pass settings.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpcore
import httpx

from faxes import special_addresses

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0  # seconds, never more than what is left of the total timeout
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# NetError kinds: what went wrong, for callers that word failures their own way.
INVALID = "invalid"  # the URL (or a redirect's Location)
REFUSED = "refused"  # an address outside what the caller allows
RESOLVE = "resolve"
CONNECT = "connect"  # no connection to any checked address
TIMEOUT = "timeout"
CERTIFICATE = "certificate"
TLS = "tls"
PROTOCOL = "protocol"  # not a valid HTTP answer
INCOMPLETE = "incomplete"  # the connection closed before the whole body arrived
TOO_LARGE = "too_large"
ENCODING = "encoding"  # compressed body that cannot be decoded
REDIRECTS = "redirects"

_URL_SAFE = "/%:@!$&'()*+,;=-._~"
_HOST_CHARS = re.compile(r"^[A-Za-z0-9._:%-]+$")
# Shapes inet_aton() reads as IPv4 besides dotted quads: 2130706433, 0x7f.1, 0177.0.0.1.
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)

IPAddress = special_addresses.IPAddress


class NetError(Exception):
    """A request failed; ``reason`` is a plain sentence (no prefix), ``kind`` one of the above.

    ``permanent`` is False when trying again later may succeed; ``sent`` says whether any of the
    request reached the server; ``stage`` is ``connect``, ``request`` (waiting for the answer) or
    ``body``; ``host`` the host of the hop that failed; ``detail`` the underlying error's text.
    """

    def __init__(
        self,
        reason: str,
        *,
        kind: str,
        permanent: bool = True,
        sent: bool = False,
        stage: str = "connect",
        host: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.permanent = permanent
        self.sent = sent
        self.stage = stage
        self.host = host
        self.detail = detail or reason

    @property
    def timed_out(self) -> bool:
        return self.kind == TIMEOUT


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to. The one DNS lookup per hop; tests replace it."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ssl_context() -> ssl.SSLContext:
    """Verifying context with the system CAs (tests replace it to trust their own CA)."""
    return ssl.create_default_context()


# --- URLs and addresses --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
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


def parse(url: str) -> Target:
    """Read an http(s) URL; raise NetError (``INVALID``) for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise NetError("invalid URL", kind=INVALID) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise NetError("only http and https URLs are allowed", kind=INVALID)
    hostname = parts.hostname or ""
    if not hostname.isascii():
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise NetError("invalid URL", kind=INVALID) from None
    if not _HOST_CHARS.match(hostname) or port == 0:
        raise NetError("invalid URL", kind=INVALID)

    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE + "?")
    shown = f"[{hostname}]" if ":" in hostname else hostname
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
    return Target(
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


def _resolve(target: Target) -> list[IPAddress]:
    if target.literal is not None:
        return [target.literal]
    failed = f"cannot resolve host {target.host}"
    try:
        resolved = resolve_host(target.host, target.port)
        candidates = [ipaddress.ip_address(address) for address in resolved]
    except socket.gaierror as exc:
        temporary = exc.errno == socket.EAI_AGAIN
        raise NetError(failed, kind=RESOLVE, permanent=not temporary, detail=str(exc)) from None
    except (OSError, UnicodeError, ValueError) as exc:
        raise NetError(failed, kind=RESOLVE, permanent=False, detail=str(exc)) from None
    if not candidates:
        raise NetError(failed, kind=RESOLVE, permanent=False)
    return candidates


def checked_addresses(target: Target, allow_loopback: bool | None) -> list[str]:
    """Resolve once and refuse if ANY address is not public: a name answering with one public
    and one private address must not get us to connect to the private one on a retry.

    ``allow_loopback=None`` skips the check, for hosts we configured ourselves (carrier APIs);
    the connection is still pinned to what this one lookup answered.
    """
    candidates = _resolve(target)
    for ip in candidates if allow_loopback is not None else ():
        if not special_addresses.is_allowed(ip, allow_loopback=bool(allow_loopback)):
            # The host only: URLs may carry credentials or signed query strings.
            logger.warning("refused to fetch from %s: %s is not public", target.host, ip)
            raise NetError(f"the address {_show(ip)} is not allowed", kind=REFUSED)
    return [str(ip) for ip in candidates]


# --- The pinned, deadline-bound transport --------------------------------------------------


class Deadline:
    """One total time limit over several hops and every socket operation in them."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return self._end - time.monotonic()

    def remaining(self) -> float:
        left = self.left()
        if left <= 0:
            raise NetError("timed out", kind=TIMEOUT, permanent=False)
        return left


def _connect(ips: list[str], port: int, timeout: float) -> httpcore.NetworkStream:
    """Connect to the first reachable of the already checked addresses (never a name)."""
    error: Exception = OSError("no address")
    for ip in ips:
        try:
            return httpcore.SyncBackend().connect_tcp(ip, port, timeout=timeout)
        except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
            error = exc
    raise error


class _Exchange:
    """How far one exchange got, written by its connection and read by error handling."""

    def __init__(self) -> None:
        self.connected = False  # a TCP connection is open
        self.sent = False  # request bytes left
        self.answered = False  # the status line and headers arrived


class _BoundStream(httpcore.NetworkStream):
    """A connection whose every read and write gives up when the total deadline passes."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline, state: _Exchange):
        self._stream = stream
        self._deadline = deadline
        self._state = state

    def _bound(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline.left()
        if left <= 0:
            raise error("timed out")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._state.sent = self._state.sent or bool(buffer)
        self._stream.write(buffer, self._bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bound = self._bound(timeout, httpcore.ConnectTimeout)
        stream = self._stream.start_tls(ssl_context, server_hostname, bound)
        return _BoundStream(stream, self._deadline, self._state)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens connections to the checked addresses only, whatever host httpcore asks for."""

    def __init__(self, addresses: list[str], deadline: Deadline, state: _Exchange) -> None:
        self._addresses = addresses
        self._deadline = deadline
        self._state = state

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left()
        if left <= 0:
            raise httpcore.ConnectTimeout("timed out")
        stream = _connect(self._addresses, port, left if timeout is None else min(timeout, left))
        self._state.connected = True
        return _BoundStream(stream, self._deadline, self._state)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("no unix sockets")


def _as_httpx(exc: Exception) -> Exception:
    # httpx names its exceptions after httpcore's (its own transport maps them by name too).
    mapped = getattr(httpx, type(exc).__name__, httpx.TransportError)
    return mapped(str(exc)) if issubclass(mapped, httpx.TransportError) else exc


_HTTPCORE_ERRORS = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException)


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except _HTTPCORE_ERRORS as exc:
            raise _as_httpx(exc) from exc

    def close(self) -> None:
        self._stream.close()


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport on an httpcore pool whose network backend is pinned (see above)."""

    def __init__(
        self, addresses: list[str], deadline: Deadline, state: _Exchange, *, tls: bool
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context() if tls else None,  # loading the CAs takes a while
            max_connections=1,
            network_backend=_PinnedBackend(addresses, deadline, state),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = self._pool.handle_request(core)
        except _HTTPCORE_ERRORS as exc:
            raise _as_httpx(exc) from exc
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


# --- Errors --------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _failure(exc: Exception, target: Target, state: _Exchange) -> NetError:
    stage = "body" if state.answered else "request" if state.connected else "connect"
    causes = list(_chain(exc))

    def fail(reason: str, kind: str, *, permanent: bool = False) -> NetError:
        return NetError(
            reason,
            kind=kind,
            permanent=permanent,
            sent=state.sent,
            stage=stage,
            host=target.host,
            detail=str(exc),
        )

    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes):
        reason = f"the TLS certificate of {target.host} could not be verified"
        return fail(reason, CERTIFICATE, permanent=True)
    if isinstance(exc, httpx.TimeoutException) or any(
        isinstance(cause, TimeoutError) for cause in causes
    ):
        return fail("timed out", TIMEOUT)
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return fail(f"TLS error talking to {target.host}", TLS)
    if isinstance(exc, httpx.RemoteProtocolError) and state.answered:
        return fail("the connection closed before the whole file arrived", INCOMPLETE)
    if isinstance(exc, httpx.ProtocolError):
        return fail(f"invalid HTTP response from {target.host}", PROTOCOL)
    if isinstance(exc, zlib.error):
        return fail("the server sent invalid compressed data", ENCODING, permanent=True)
    return fail(f"cannot connect to {target.host}", CONNECT)


# --- Bodies --------------------------------------------------------------------------------


def size(limit: int) -> str:
    """A byte count as people read it: 10 MB, 2 KB, 300 bytes."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def _too_large(limit: int) -> NetError:
    return NetError(f"larger than {size(limit)}", kind=TOO_LARGE, sent=True, stage="body")


def _read_body(response: httpx.Response, limit: int, *, decode: bool, truncate: bool) -> bytes:
    """Read at most ``limit`` bytes (after decoding), failing as soon as there are more;
    with ``truncate`` keep the first ``limit`` bytes instead."""
    length = response.headers.get("Content-Length", "").strip()
    if not truncate and length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    decoder = None
    if not decode or encoding == "identity":
        pass
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    else:
        reason = f"unsupported content encoding {encoding!r}"
        raise NetError(reason, kind=ENCODING, sent=True, stage="body")

    data = bytearray()
    received = 0
    for chunk in response.iter_raw():
        received += len(chunk)
        if truncate:
            data += chunk
            if len(data) >= limit:
                break
            continue
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
    if decoder is not None:
        data += decoder.decompress(b"", limit + 1 - len(data))
        if len(data) > limit:
            raise _too_large(limit)
        data += decoder.flush()
        if not decoder.eof:
            raise NetError(
                "the compressed file is incomplete", kind=INCOMPLETE, permanent=False, sent=True
            )
    return bytes(data[:limit]) if truncate else bytes(data)


# --- Requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes | None  # None when the caller did not want this status's body
    target: Target  # the URL that answered, after redirects

    @property
    def url(self) -> str:
        return self.target.url


Headers = Mapping[str, str] | Callable[[Target], Mapping[str, str]]


def _always(status: int) -> bool:
    return True


def _exchange(
    method: str,
    target: Target,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    addresses: list[str],
    deadline: Deadline,
    connect_timeout: float,
    timeout: float | None,
    max_bytes: int,
    wants_body: Callable[[int], bool],
    decode: bool,
    truncate: bool,
) -> Answer:
    host = f"[{target.tls_name}]" if ":" in target.tls_name else target.tls_name
    try:
        url = httpx.URL(f"{target.scheme}://{host}:{target.port}")
        url = url.copy_with(raw_path=target.request_path.encode("ascii"))
    except httpx.InvalidURL:
        raise NetError("invalid URL", kind=INVALID) from None
    request_headers = {"Host": target.host_header, "Accept": "*/*", "Accept-Encoding": "identity"}
    request_headers.update(headers)
    left = deadline.remaining()
    timeouts = httpx.Timeout(timeout or left, connect=min(connect_timeout, left))
    state = _Exchange()
    transport = PinnedTransport(addresses, deadline, state, tls=target.scheme == "https")
    # trust_env=False: no proxy from the environment, no .netrc credentials.
    with httpx.Client(transport=transport, trust_env=False, timeout=timeouts) as client:
        try:
            with client.stream(method, url, headers=request_headers, content=body) as response:
                state.answered = True
                data = None
                if wants_body(response.status_code):
                    data = _read_body(response, max_bytes, decode=decode, truncate=truncate)
        except NetError:
            raise
        except (httpx.TransportError, OSError, zlib.error) as exc:
            raise _failure(exc, target, state) from exc
    return Answer(response.status_code, response.headers, data, target)


def request(
    method: str,
    url: str | Target,
    *,
    headers: Headers,
    allow_loopback: bool | None,
    deadline: Deadline,
    max_bytes: int,
    body: bytes | None = None,
    timeout: float | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    wants_body: Callable[[int], bool] = _always,
    decode: bool = False,
    truncate: bool = False,
    redirects: int = 0,
) -> Answer:
    """One request, following up to ``redirects`` redirects, each hop checked again.

    ``headers`` may be a function of the hop's :class:`Target`, so credentials are sent only
    where they belong; Host is the URL's unless given. ``allow_loopback`` is the address rule
    (None: no rule, see :func:`checked_addresses`). ``timeout`` bounds each socket operation,
    ``deadline`` everything. The body is read (up to ``max_bytes``, gzip/deflate decoded with
    ``decode``) when ``wants_body(status)``; a redirect's never. Raises :class:`NetError`.
    """
    target = url if isinstance(url, Target) else parse(url)
    method = method.upper()
    follow = redirects > 0

    def body_wanted(status: int) -> bool:
        return not (follow and status in REDIRECT_STATUSES) and wants_body(status)

    for _hop in range(redirects + 1):
        addresses = checked_addresses(target, allow_loopback)
        hop_headers = headers(target) if callable(headers) else headers
        if body is None:
            hop_headers = {k: v for k, v in hop_headers.items() if k.lower() != "content-type"}
        answer = _exchange(
            method,
            target,
            hop_headers,
            body,
            addresses=addresses,
            deadline=deadline,
            connect_timeout=connect_timeout,
            timeout=timeout,
            max_bytes=max_bytes,
            wants_body=body_wanted,
            decode=decode,
            truncate=truncate,
        )
        location = answer.headers.get("Location", "").strip()
        if not (follow and answer.status in REDIRECT_STATUSES and location):
            return answer
        target = parse(urljoin(target.url, location))
        if answer.status in (301, 302, 303) and method == "POST":
            method, body = "GET", None  # as browsers do; 307/308 repeat the POST
    raise NetError("too many redirects", kind=REDIRECTS, sent=True)
