"""A webhook receiver on 127.0.0.1 for tests: records requests, answers as scripted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HookServer:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers to give in order (status, body); the last one repeats. A negative
    # status means "say nothing for that many seconds" (a timeout).
    script: list[tuple[int, bytes]] = field(default_factory=lambda: [(200, b"ok")])

    def answer(self) -> tuple[int, bytes]:
        index = min(len(self.requests) - 1, len(self.script) - 1)
        return self.script[index]


@pytest.fixture
def hook_server(settings) -> Iterator[HookServer]:
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True  # tests deliver to this machine only
    state: HookServer | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status, reply = state.answer()
            if status < 0:
                time.sleep(-status)
                return
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = HookServer(url=f"http://127.0.0.1:{server.server_port}/hooks/fax")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
