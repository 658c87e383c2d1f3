"""``manage.py runserver`` that reads chunked request bodies.

Django's development server hands the application a stream limited to
``Content-Length`` bytes, so a chunked body (which has none) reads as empty and its
bytes are then taken for the next request. This server decodes the chunks itself and
marks the stream ``wsgi.input_terminated`` as gunicorn does; ``faxportal.chunked`` then
reads it under the usual size limit.
"""

from __future__ import annotations

import io

from django.core.servers.basehttp import ServerHandler, WSGIRequestHandler, WSGIServer

from faxportal.chunked import is_chunked

MAX_LINE = 65536


class ChunkedReader(io.RawIOBase):
    """The decoded body of a chunked request read from the connection."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.left = 0  # bytes left in the current chunk
        self.done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        line = self.raw.readline(MAX_LINE + 1)
        if not line:  # the client went away mid-body
            self.done = True
            return
        self.left = int(line.split(b";", 1)[0].strip(), 16)  # ValueError: malformed
        if self.left < 0:
            raise ValueError("negative chunk size")
        if self.left == 0:
            while self.raw.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            self.done = True

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while not self.done and (size is None or size < 0 or len(out) < size):
            if self.left == 0:
                self._next_chunk()
                continue
            wanted = self.left if size is None or size < 0 else min(self.left, size - len(out))
            data = self.raw.read(wanted)
            if not data:
                self.done = True
                break
            out += data
            self.left -= len(data)
            if self.left == 0:
                self.raw.readline(MAX_LINE + 1)  # the CRLF closing the chunk
        return bytes(out)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class ChunkedServerHandler(ServerHandler):
    request_handler: WSGIRequestHandler  # set by ChunkedRequestHandler right after creating it

    def __init__(self, stdin, stdout, stderr, environ, **kwargs) -> None:
        super().__init__(stdin, stdout, stderr, environ, **kwargs)
        if is_chunked(environ):
            self.stdin = ChunkedReader(stdin)
            environ["wsgi.input_terminated"] = True

    def close(self) -> None:
        reader = self.stdin
        if isinstance(reader, ChunkedReader) and not reader.done:
            # The rest of the body is still on the connection: close it rather than read
            # an unbounded body, or take those bytes for the next request.
            self.request_handler.close_connection = True
            self.stdin = io.BytesIO()
        super().close()


class ChunkedRequestHandler(WSGIRequestHandler):
    server: WSGIServer  # the ChunkedWSGIServer it is made for

    def handle_one_request(self) -> None:
        """Django's ``handle_one_request`` with the handler above."""
        self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
        if len(self.raw_requestline) > MAX_LINE:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = ChunkedServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ()
        )
        handler.request_handler = self
        app = self.server.get_app()
        assert app is not None  # runserver sets it before serving
        handler.run(app)


class ChunkedWSGIServer(WSGIServer):
    def __init__(self, server_address, request_handler_class, *args, **kwargs) -> None:
        super().__init__(server_address, ChunkedRequestHandler, *args, **kwargs)
