"""The README's run command: web, worker and scheduler on the embedded defaults."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import embedded_env, use_migrated_database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not come up")


def _send_demo_fax(env: dict[str, str], tmp_path: Path) -> None:
    import sqlite3

    from tests.factories import text_pdf

    document = tmp_path / "letter.pdf"
    document.write_bytes(text_pdf(2))
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    (faxbox_id,) = db.execute(
        "SELECT f.id FROM faxes_faxbox f JOIN faxes_faxnumber n ON n.faxbox_id = f.id "
        "WHERE n.number = '+12025550101'"
    ).fetchone()
    started = time.monotonic()
    sent = subprocess.run(
        [sys.executable, "manage.py", "sendfax", str(document), "--faxbox", faxbox_id,
         "--to", "+12025550102", "--cover-subject", "Hello", "--wait", "60"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert " delivered pages=3" in sent.stdout, sent.stdout + sent.stderr
    assert elapsed < 30
    received = db.execute(
        "SELECT x.pages, x.from_number FROM faxes_fax x JOIN accounts_account a "
        "ON a.id = x.account_id WHERE x.direction = 'inbound' AND a.name = 'Demo Pharmacy'"
    ).fetchall()
    assert received == [(3, "+12025550101")]


def test_runportal_serves_logs_in_and_stops_cleanly(tmp_path, migrated_database):
    env = embedded_env(tmp_path)
    use_migrated_database(migrated_database, tmp_path)  # what `manage.py migrate` makes
    manage = [sys.executable, "manage.py"]
    for command in (["collectstatic", "--noinput", "-v0"], ["seeddemo"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True)
    port, smtp_port = _free_port(), _free_port()
    log = (tmp_path / "portal.log").open("w")
    portal = subprocess.Popen(
        [*manage, "runportal", "--bind", f"127.0.0.1:{port}", "--web-workers", "1",
         "--concurrency", "1", "--smtp-port", str(smtp_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", time.monotonic() + 60)

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"{base}/login/").read().decode()
        css = re.search(r'href="(/static/css/portal[^"]*\.css)"', login_page)
        assert css, "stylesheet link missing"
        assert opener.open(base + css.group(1)).status == 200  # whitenoise
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "demo@example.com",
                "password": "demo-fax-portal",
            }
        ).encode()
        request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": base})
        home = opener.open(request).read().decode()
        assert "Demo Clinic" in home and "Front desk" in home

        # The worker and the scheduler came up beside the web server.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = (tmp_path / "portal.log").read_text()
            if "ready." in text and "beat: Starting" in text:
                break
            time.sleep(0.5)
        text = (tmp_path / "portal.log").read_text()
        assert "ready." in text, text[-3000:]
        assert "beat: Starting" in text, text[-3000:]

        # The SMTP gateway (e-mail to fax) answers on its port.
        deadline = time.monotonic() + 30
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
                    assert client.ehlo("test")[0] == 250
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

        # A fax from one demo faxbox to another arrives within seconds.
        _send_demo_fax(env, tmp_path)
    finally:
        portal.send_signal(signal.SIGTERM)
        try:
            assert portal.wait(timeout=40) == 0
        finally:
            if portal.poll() is None:
                portal.kill()
            log.close()


def test_runportal_worker_consumes_the_fax_and_the_webhook_queue(settings):
    from faxes.management.commands.runportal import Command

    command = Command()
    options = command.create_parser("manage.py", "runportal").parse_args(
        ["--bind", "127.0.0.1:0", "--web-workers", "1", "--concurrency", "1"]
    )
    argv = command.commands(vars(options))
    worker = argv["worker"]
    queues = worker[worker.index("--queues") + 1].split(",")
    assert queues == ["celery", "webhooks"]
    # OCR has a worker of its own: every queue is consumed, fax slots never read faxes.
    ocr = argv["ocr-worker"]
    assert ocr[ocr.index("--queues") + 1] == "ocr" and ocr[ocr.index("--concurrency") + 1] == "1"
    assert {*queues, "ocr"} == {queue.name for queue in settings.CELERY_TASK_QUEUES}


def test_runportal_starts_the_smtp_gateway_unless_told_not_to(settings):
    from faxes.management.commands.runportal import Command

    command = Command()
    parser = command.create_parser("manage.py", "runportal")
    argv = command.commands(vars(parser.parse_args([])))
    assert argv["smtp"][-3:] == ["smtpgateway", "--port", str(settings.FAXPORTAL_SMTP_PORT)]
    assert "smtp" not in command.commands(vars(parser.parse_args(["--smtp-port", "0"])))
