"""The web worker's request buffering (``faxportal.web_worker``): the framing it follows, and its
timeouts on a real gunicorn (shortened through a gunicorn config file)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from faxportal import web_worker
from faxportal.web_worker import _Incoming
from tests.conftest import embedded_env
from tests.test_runportal import ROOT, _free_port, _wait_for


def _feed(*pieces: bytes, max_body: int = 1000) -> _Incoming:
    incoming = _Incoming(max_head=8192, max_body=max_body)
    for piece in pieces:
        incoming.feed(piece)
    return incoming


HEAD = b"POST /api/v1/faxes/send HTTP/1.1\r\nHost: x\r\n"


def test_a_request_without_body_is_ready_at_the_end_of_its_head():
    assert _feed(b"GET / HTTP/1.1\r\nHo", b"st: x\r\n").verdict is None
    assert _feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").verdict == _Incoming.READY
    assert _feed(b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").verdict == _Incoming.READY


def test_a_length_body_is_ready_when_all_of_it_arrived():
    incoming = _feed(HEAD + b"Content-Length: 10\r\n\r\n12345")
    assert incoming.verdict is None
    assert incoming.feed(b"6789") is None
    assert incoming.feed(b"0GET / HTTP/1.1\r\n") == _Incoming.READY  # pipelined bytes kept
    incoming.spool.seek(0)
    assert incoming.spool.read().endswith(b"1234567890GET / HTTP/1.1\r\n")


def test_chunked_bodies_with_extensions_and_trailers():
    pieces = [HEAD + b"Transfer-Encoding: chunked\r\n\r\n", b"5;ext=1\r\nhel", b"lo\r\n6\r\n"]
    incoming = _feed(*pieces, b" world\r\n0\r\nX-Trailer: y\r\n")
    assert incoming.verdict is None
    assert incoming.feed(b"\r\n") == _Incoming.READY


def test_bodies_over_the_limit_are_refused_before_they_arrive():
    assert _feed(HEAD + b"Content-Length: 1001\r\n\r\n").verdict == _Incoming.TOO_LARGE
    chunked = _feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n", b"3e9\r\n" + b"x" * 1001)
    assert chunked.verdict == _Incoming.TOO_LARGE


@pytest.mark.parametrize(
    "fields",
    [
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: gzip\r\n",
        b"Content-Length: -1\r\n",
    ],
)
def test_odd_framing_is_left_to_gunicorn_to_refuse(fields):
    assert _feed(HEAD + fields + b"\r\n").verdict == _Incoming.AS_IS


def test_an_endless_head_is_left_to_gunicorn_to_refuse():
    assert _feed(HEAD + b"X-Long: " + b"a" * 9000).verdict == _Incoming.AS_IS


def test_expect_continue_is_noted_for_http_1_1_bodies_only():
    assert _feed(HEAD + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n").wants_continue
    http10 = HEAD.replace(b"HTTP/1.1", b"HTTP/1.0")
    assert not _feed(http10 + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n").wants_continue


def test_timeouts_for_the_head_and_for_pauses_in_the_body():
    incoming = _feed(HEAD)
    start = incoming.started
    assert not incoming.expired(start + web_worker.HEADER_TIMEOUT - 1)
    assert incoming.expired(start + web_worker.HEADER_TIMEOUT + 1)
    incoming.feed(b"Content-Length: 5\r\n\r\n1")
    last = incoming.last
    assert not incoming.expired(last + web_worker.IDLE_TIMEOUT - 1)
    assert incoming.expired(last + web_worker.IDLE_TIMEOUT + 1)


@pytest.mark.integration
def test_too_slow_requests_get_408_and_the_worker_carries_on(tmp_path):
    config = tmp_path / "gunicorn_test.py"
    config.write_text(
        "import faxportal.web_worker as worker\n"
        "worker.HEADER_TIMEOUT = 1.5\nworker.IDLE_TIMEOUT = 1.5\n"
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "faxportal.wsgi:application", "-c", str(config),
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "1",
         "--worker-class", "faxportal.web_worker.BufferingThreadWorker"],
        cwd=ROOT, env=embedded_env(tmp_path), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 60)
        slow_head = socket.create_connection(("127.0.0.1", port), timeout=10)
        slow_head.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        stalled_body = socket.create_connection(("127.0.0.1", port), timeout=10)
        stalled_body.sendall(HEAD.replace(b"x", b"127.0.0.1") + b"Content-Length: 9\r\n\r\n12")
        for sock in (slow_head, stalled_body):
            answer = sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408 Request Timeout"), answer
            assert sock.recv(4096) == b""  # and closed
            sock.close()
        _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 5)
    finally:
        server.terminate()
        server.wait(timeout=30)
