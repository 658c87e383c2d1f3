"""The README's run command as a web server: slow clients, static files and rate limits.

One ``runportal`` on the embedded defaults (2 gunicorn workers x 8 threads, SQLite, the embedded
cache), started on a fresh data folder where ``collectstatic`` never ran.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import embedded_env, use_migrated_database
from tests.test_runportal import ROOT, _free_port, _wait_for

pytestmark = pytest.mark.integration

WORKERS, THREADS = 2, 8  # runportal's defaults
API_LIMIT = 100  # FAXPORTAL_API_RATE_LIMIT and FAXPORTAL_API_RATE_LIMIT_IP defaults
LOGIN_LIMIT = 10


@dataclass
class Portal:
    port: int
    token: str
    log: Path
    data_dir: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def portal(tmp_path_factory, migrated_database) -> Iterator[Portal]:
    data_dir = tmp_path_factory.mktemp("portal")
    env = embedded_env(data_dir)
    use_migrated_database(migrated_database, data_dir)  # what `manage.py migrate` makes
    # An hour-long login window: a burst of a second cannot straddle two windows.
    env["FAXPORTAL_LOGIN_RATE"] = f"{LOGIN_LIMIT}/h"
    manage = [sys.executable, "manage.py"]

    def run(*args: str) -> str:
        done = subprocess.run(
            manage + list(args), cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    # Migrated, and nothing else: no collectstatic.
    account = run(
        "createaccount", "Serving Clinic", "--email", "admin@serving.test", "--password",
        "serving-test-password",
    )  # fmt: skip
    token = run("createapitoken", account, "--name", "load", "--scopes", "fax:read,fax:send")
    assert not (data_dir / "static" / "staticfiles.json").exists()

    port = _free_port()
    log = data_dir / "portal.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*manage, "runportal", "--bind", f"127.0.0.1:{port}", "--concurrency", "1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 90)
            yield Portal(port, token, log, data_dir)
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            finally:
                if process.poll() is None:
                    process.kill()


def _get(url: str, timeout: float = 10, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# --- static files ------------------------------------------------------------------------


def test_pages_work_although_collectstatic_never_ran(portal):
    status, page = _get(f"{portal.base}/login/")
    assert status == 200
    assert "collecting static files" in portal.log.read_text()
    assert (portal.data_dir / "static" / "staticfiles.json").exists()
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]+\.css)"', page.decode())
    assert stylesheet, "the hashed stylesheet link is missing"
    status, css = _get(portal.base + stylesheet.group(1))
    assert status == 200 and css
    docs_status, _ = _get(f"{portal.base}/api/v1/docs/")  # Swagger UI's own static files
    assert docs_status == 200


# --- slow clients ------------------------------------------------------------------------


def test_slow_uploads_do_not_hold_up_other_requests(portal):
    """More slow uploads than the server has threads, each trickling a byte a second: the
    health check still answers at once."""
    slow = []
    for _ in range(WORKERS * THREADS + 4):
        sock = socket.create_connection(("127.0.0.1", portal.port), timeout=5)
        sock.sendall(
            b"POST /api/v1/faxes/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"
        )
        slow.append(sock)
    try:
        # Untimed: each worker process answers its first request cold (imports, database).
        for _ in range(WORKERS * 2):
            assert _get(f"{portal.base}/healthz", timeout=5)[0] == 200
        timings = []
        for _ in range(6):
            for sock in slow:
                sock.sendall(b" ")
            started = time.monotonic()
            status, body = _get(f"{portal.base}/healthz", timeout=5)
            timings.append(time.monotonic() - started)
            assert (status, body) == (200, b'{"status": "ok"}')
            time.sleep(1)
        assert max(timings) < 2.0, timings
        # And a real page, which takes a thread and the database.
        status, _ = _get(f"{portal.base}/login/", timeout=5)
        assert status == 200
    finally:
        for sock in slow:
            sock.close()


def test_body_over_the_request_limit_is_refused_before_it_is_sent(portal):
    with socket.create_connection(("127.0.0.1", portal.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/faxes/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 104857601\r\nExpect: 100-continue\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")


def _exchange(port: int, pieces: list[bytes]) -> tuple[list[bytes], bytes]:
    """Send the pieces with pauses between them; the statuses of every answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.2)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return re.findall(rb"HTTP/1.1 (\d{3}) ", answer), answer


HEALTH_AND_CLOSE = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def test_uploads_arriving_in_pieces_reach_the_application_whole(portal):
    body = b'{"to": "not a number"}'
    head = (
        "POST /api/v1/faxes/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {portal.token}\r\nContent-Type: application/json\r\n"
    ).encode()
    # Content-Length, the head and body in pieces, and a second request on the connection.
    length = b"Content-Length: %d\r\n\r\n" % len(body)
    pieces = [head[:30], head[30:] + length, body[:5], body[5:], HEALTH_AND_CLOSE]
    statuses, answer = _exchange(portal.port, pieces)
    assert statuses == [b"400", b"200"], answer[:500]
    assert b"'not a number' is not a phone number" in answer  # the API read all of it
    # Chunked: the framing is followed to its end, so the next request is answered too.
    # (Django reads no body without a Content-Length, hence "required".)
    chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:5], body[5:])] + [b"0\r\n\r\n"]
    statuses, answer = _exchange(
        portal.port,
        [head + b"Transfer-Encoding: chunked\r\n\r\n", *chunks, HEALTH_AND_CLOSE],
    )
    assert statuses == [b"400", b"200"], answer[:500]
    # Expect: 100-continue is answered once, while the body is awaited.
    expect = head + b"Expect: 100-continue\r\n" + length
    statuses, answer = _exchange(portal.port, [expect, body, HEALTH_AND_CLOSE])
    assert statuses == [b"100", b"400", b"200"], answer[:500]


# --- rate limits -------------------------------------------------------------------------


def _outside_window_edge(window: int = 900, margin: float = 30) -> None:
    """Wait if the fixed API window (aligned to the epoch) ends in the next seconds."""
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 1)


def test_api_rate_limit_is_exact_under_concurrency(portal):
    """The rest of the window's budget, plus 30, with one token at once, spread over every
    worker and thread: exactly the budget passes, the rest are 429."""
    _outside_window_edge()
    url = f"{portal.base}/api/v1/faxes"
    auth = f"Bearer {portal.token}"
    first = urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": auth}))
    assert first.headers["RateLimit-Limit"] == str(API_LIMIT)
    budget = int(first.headers["RateLimit-Remaining"])  # other tests here used the IP's too
    assert budget > 50

    def call(_: int) -> int:
        return _get(url, timeout=30, Authorization=auth)[0]

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = Counter(pool.map(call, range(budget + 30)))
    assert statuses == {200: budget, 429: 30}
    assert call(0) == 429


def test_login_limit_is_exact_under_concurrency(portal):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{portal.base}/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)

    def attempt(n: int) -> int:
        # A different username each time: only the per-IP counter can refuse.
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf, "username": f"user{n}@serving.test", "password": "x"}
        ).encode()
        conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=30)
        try:
            conn.request(
                "POST", "/login/", body=form,
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Cookie": cookie, "Referer": portal.base},
            )  # fmt: skip
            return conn.getresponse().status
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = Counter(pool.map(attempt, range(LOGIN_LIMIT + 20)))
    assert statuses == {200: LOGIN_LIMIT, 429: 20}
