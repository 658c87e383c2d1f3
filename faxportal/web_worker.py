"""gunicorn's threaded worker, but a thread only gets a request once it has arrived whole.

gunicorn's ``gthread`` worker gives a connection to a thread as soon as its first byte arrives;
the thread then reads headers and body at whatever pace the client sends them. A client
uploading at one byte a second holds a thread for as long as it likes, and a few of them hold
them all: ``/healthz`` and every other request wait. This worker reads each request (request
line, headers and body) in the worker's event loop first, the way nginx buffers requests, and
hands it to a thread only when it is complete. Slow clients cost a socket and a buffer, never a
thread. Requests are spooled to a temporary file past 64 KiB.

Limits, each answered without the application:

- headers must arrive within ``HEADER_TIMEOUT`` seconds, the body may pause at most
  ``IDLE_TIMEOUT`` seconds between two reads and the whole request must arrive within
  ``REQUEST_TIMEOUT``: else 408 and the connection closes;
- a body larger than ``FAXPORTAL_MAX_REQUEST_BYTES`` gets 413 (nginx's ``client_max_body_size``).

Only the bytes' framing is read here (where the headers end, Content-Length, chunked encoding);
gunicorn's own parser still parses and validates the request from the buffered bytes. Where the
framing is odd (conflicting lengths, unknown transfer codings, oversized header blocks) the
request is handed on as it is, for gunicorn to refuse. TLS and cleartext HTTP/2 connections are
handled exactly as by ``gthread``, and so are connections when the PROXY protocol is on.
"""

from __future__ import annotations

import errno
import selectors
import tempfile
import time
from contextlib import suppress
from functools import partial
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

HEADER_TIMEOUT = 30.0
IDLE_TIMEOUT = 60.0
REQUEST_TIMEOUT = 900.0
DEFAULT_MAX_BODY = 100 * 1024 * 1024
_SPOOL_IN_MEMORY = 64 * 1024  # per connection; beyond, a temporary file
_READ = 64 * 1024
_MAX_CHUNK_LINE = 4096


def _max_body() -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, "FAXPORTAL_MAX_REQUEST_BYTES", DEFAULT_MAX_BODY))
    except Exception:  # another application without Django settings
        return DEFAULT_MAX_BODY


def _simple_response(status: str, text: str) -> bytes:
    body = text.encode() + b"\n"
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class _Incoming:
    """One request being collected: its bytes as received, and how far its framing got."""

    READY, TOO_LARGE, AS_IS = "ready", "too large", "as is"

    def __init__(self, max_head: int, max_body: int) -> None:
        # Closed by _Replay once gunicorn has read it, or by the worker when dropped.
        self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        self.max_head = max_head
        self.max_body = max_body
        self.started = self.last = time.monotonic()
        self.verdict: str | None = None
        self.wants_continue = False  # Expect: 100-continue, to answer once the head is in
        self.continue_sent = False
        self._head = bytearray()
        self._in_body = False
        self._chunked = False
        self._remaining = 0  # body bytes still expected (length), or of the current chunk
        self._chunk_state = "size"  # size → data → data-end → … → trailer
        self._line = bytearray()
        self._body_bytes = 0

    def feed(self, data: bytes) -> str | None:
        self.spool.write(data)
        self.last = time.monotonic()
        if self.verdict is None:
            if self._in_body:
                self._body(memoryview(data))
            else:
                self._head_bytes(data)
        return self.verdict

    def expired(self, now: float) -> bool:
        if not self._in_body:
            return now - self.started > HEADER_TIMEOUT
        return now - self.last > IDLE_TIMEOUT or now - self.started > REQUEST_TIMEOUT

    # --- framing -----------------------------------------------------------------------

    def _head_bytes(self, data: bytes) -> None:
        self._head += data
        while self._head.startswith(b"\r\n") or self._head.startswith(b"\n"):
            del self._head[: 2 if self._head.startswith(b"\r\n") else 1]  # RFC 9112 2.2
        ends = [i for i in (self._head.find(b"\r\n\r\n"), self._head.find(b"\n\n")) if i >= 0]
        if not ends:
            if len(self._head) > self.max_head:
                self.verdict = self.AS_IS  # gunicorn answers "header too large"
            return
        end = min(ends)
        size = 4 if self._head[end : end + 4] == b"\r\n\r\n" else 2
        head, rest = bytes(self._head[:end]), bytes(self._head[end + size :])
        self._head = bytearray()
        self._in_body = True
        self._read_head(head)
        if self.verdict is None and rest:
            self._body(memoryview(rest))

    def _read_head(self, head: bytes) -> None:
        lines = head.replace(b"\r\n", b"\n").split(b"\n")
        http11 = lines[0].rstrip().endswith(b"HTTP/1.1")
        fields: dict[bytes, list[bytes]] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                fields.setdefault(name.strip().lower(), []).append(value.strip())
        lengths = fields.get(b"content-length", [])
        codings = fields.get(b"transfer-encoding", [])
        if codings:
            last = b",".join(codings).split(b",")[-1].strip().lower()
            if lengths or last != b"chunked":
                self.verdict = self.AS_IS  # gunicorn refuses these
                return
            self._chunked = True
        elif lengths:
            if len(set(lengths)) != 1 or not lengths[0].isdigit():
                self.verdict = self.AS_IS
                return
            self._remaining = int(lengths[0])
            if self._remaining > self.max_body:
                self.verdict = self.TOO_LARGE
                return
            if not self._remaining:
                self.verdict = self.READY
                return
        else:
            self.verdict = self.READY  # no body
            return
        expect = [value.lower() for value in fields.get(b"expect", [])]
        self.wants_continue = http11 and expect == [b"100-continue"]

    def _body(self, data: memoryview) -> None:
        if not self._chunked:
            self._remaining -= min(self._remaining, len(data))
            if not self._remaining:
                self.verdict = self.READY
            return
        self._body_bytes += len(data)
        if self._body_bytes > self.max_body:
            self.verdict = self.TOO_LARGE
            return
        while data and self.verdict is None:
            if self._chunk_state == "data":
                taken = min(self._remaining, len(data))
                data, self._remaining = data[taken:], self._remaining - taken
                if not self._remaining:
                    self._chunk_state = "data-end"
                continue
            newline = bytes(data).find(b"\n")
            if newline < 0:
                self._line += data
                data = data[len(data) :]
                if len(self._line) > _MAX_CHUNK_LINE:
                    self.verdict = self.AS_IS
                break
            self._line += data[:newline]
            data = data[newline + 1 :]
            line, self._line = bytes(self._line).rstrip(b"\r"), bytearray()
            self._chunk_line(line)

    def _chunk_line(self, line: bytes) -> None:
        if self._chunk_state == "data-end":  # the CRLF after a chunk's data
            self._chunk_state = "size"
            if line:
                self.verdict = self.AS_IS
        elif self._chunk_state == "size":
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.verdict = self.AS_IS
                return
            self._remaining = size
            self._chunk_state = "data" if size else "trailer"
        elif not line:  # the empty line that ends the trailer section
            self.verdict = self.READY


class _Replay:
    """What gunicorn's parser reads from: the buffered bytes, then the socket itself."""

    def __init__(self, spool: Any, sock: Any) -> None:
        self._spool = spool
        self._sock = sock

    def recv(self, size: int) -> bytes:
        if self._spool is not None:
            data = self._spool.read(size)
            if data:
                return data
            self._spool.close()
            self._spool = None
        return self._sock.recv(size)

    def rest(self) -> bytes:
        """Buffered bytes gunicorn has not read (the start of a pipelined request)."""
        if self._spool is None:
            return b""
        data = self._spool.read()
        self._spool.close()
        self._spool = None
        return data

    def __getattr__(self, name: str) -> Any:  # settimeout, gettimeout, fileno, …
        return getattr(self._sock, name)


class BufferingThreadWorker(ThreadWorker):
    """``gthread`` with each request read whole in the event loop first (see the module)."""

    def init_process(self) -> None:
        self._incoming: dict[Any, _Incoming] = {}  # conn -> request being collected
        cfg = self.cfg
        self._buffers = (
            not cfg.is_ssl
            and getattr(cfg, "protocol", "http") == "http"
            and getattr(cfg, "http2_cleartext", "off") == "off"
            and getattr(cfg, "proxy_protocol", "off") in ("off", False, None)
        )
        self._max_head = cfg.limit_request_line + cfg.limit_request_fields * (
            cfg.limit_request_field_size + 2
        )
        super().init_process()

    def enqueue_req(self, conn) -> None:
        """Every way a request reaches a thread (new connection, kept-alive connection, bytes
        read ahead) comes here: collect the request first, then hand it over."""
        if not self._buffers or conn.is_http2:
            super().enqueue_req(conn)
            return
        incoming = _Incoming(self._max_head, _max_body())
        self._incoming[conn] = incoming
        conn.sock.setblocking(False)
        ahead = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        if ahead and self._fed(conn, incoming, ahead):
            self._done(conn, incoming)
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _readable(self, conn, _sock) -> None:
        incoming = self._incoming.get(conn)
        if incoming is None:
            return
        try:
            data = conn.sock.recv(_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            if exc.errno not in (errno.ECONNRESET, errno.ENOTCONN, errno.EPIPE):
                self.log.debug("read error while buffering a request: %s", exc)
            self._unregister(conn)
            self._drop(conn)
            return
        if not data:  # the client went away before its request was complete
            self._unregister(conn)
            self._drop(conn)
        elif self._fed(conn, incoming, data):
            self._unregister(conn)
            self._done(conn, incoming)

    def _fed(self, conn, incoming: _Incoming, data: bytes) -> bool:
        """Feed bytes; True once the request is complete (or refused)."""
        if incoming.feed(data) is not None:
            return True
        if incoming.wants_continue and not incoming.continue_sent:
            incoming.continue_sent = True
            self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        return False

    def _done(self, conn, incoming: _Incoming) -> None:
        if incoming.verdict == _Incoming.TOO_LARGE:
            limit = incoming.max_body
            self._answer(conn, "413 Content Too Large", f"Request body over {limit} bytes.")
        else:
            self._dispatch(conn, incoming)

    def _dispatch(self, conn, incoming: _Incoming) -> None:
        del self._incoming[conn]
        conn.sock.setblocking(True)
        conn.init()  # creates the HTTP/1 parser (no TLS, no HTTP/2 here)
        incoming.spool.seek(0)
        conn.parser.unreader.sock = _Replay(incoming.spool, conn.sock)
        conn.data_ready = True
        conn.continue_sent = incoming.continue_sent
        super().enqueue_req(conn)

    def handle_request(self, req, conn):
        if getattr(conn, "continue_sent", False):
            req._expected_100_continue = False  # already answered while buffering
            conn.continue_sent = False
        return super().handle_request(req, conn)

    def finish_request(self, conn, fs) -> None:
        replay = getattr(getattr(conn.parser, "unreader", None), "sock", None)
        if isinstance(replay, _Replay):
            # Bytes buffered past this request belong to the next one: put them behind what
            # the parser already read ahead, so gunicorn sees the connection has more.
            rest = replay.rest()
            if rest:
                conn.parser.unreader.buf.seek(0, 2)
                conn.parser.unreader.buf.write(rest)
            conn.parser.unreader.sock = conn.sock
        super().finish_request(conn, fs)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, incoming in list(self._incoming.items()):
            if incoming.expired(now):
                self._unregister(conn)
                self._answer(conn, "408 Request Timeout", "The request arrived too slowly.")

    # --- helpers -----------------------------------------------------------------------

    def _send(self, conn, data: bytes) -> None:
        with suppress(OSError):
            conn.sock.send(data)  # a few bytes into an empty send buffer; best effort

    def _answer(self, conn, status: str, text: str) -> None:
        self._send(conn, _simple_response(status, text))
        self._drop(conn)

    def _unregister(self, conn) -> None:
        with suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def _drop(self, conn) -> None:
        """Close a connection still buffering (already off the poller)."""
        incoming = self._incoming.pop(conn, None)
        if incoming is not None:
            incoming.spool.close()
        self.nr_conns -= 1
        conn.close()
