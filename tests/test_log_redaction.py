"""No token or password in logs: gunicorn's access log (as runportal starts it) and
every Django log line."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import logging.config
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from faxes.management.commands.runportal import Command
from faxportal.redaction import redact
from tests.conftest import embedded_env, use_migrated_database
from tests.test_runportal import _free_port, _wait_for

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("sessionSECRET123", "faxapi_abcdefghijklmnopqrstuvwxyz", "hunter2pass", "64charKEY")


def _query() -> str:
    return (
        f"auth_token={SECRETS[0]}&page_size=5&API_KEY={SECRETS[3]}&password={SECRETS[2]}"
        f"&other={SECRETS[1]}&start_key=keepme"
    )


@pytest.mark.integration
def test_gunicorn_access_log_of_runportal_has_no_secrets(tmp_path, migrated_database):
    env = embedded_env(tmp_path)
    use_migrated_database(migrated_database, tmp_path)
    port = _free_port()
    command = Command()
    options = command.create_parser("manage.py", "runportal").parse_args(
        ["--bind", f"127.0.0.1:{port}", "--web-workers", "1", "--concurrency", "1"]
    )
    argv = command.commands(vars(options))
    log_path = tmp_path / "access.log"
    with log_path.open("w") as log:
        web = subprocess.Popen(argv["web"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 60)
            for path in ("/v2/token_auth", "/api/v1/faxes", "/login/"):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}{path}?{_query()}",
                    headers={"Referer": f"http://x.test/?token={SECRETS[0]}"},
                )
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(request, timeout=10).read()
        finally:
            web.terminate()
            web.wait(timeout=30)
    text = log_path.read_text()
    assert "/v2/token_auth?" in text and "start_key=keepme" in text, text[-2000:]
    assert "auth_token=[REDACTED]" in text and "password=[REDACTED]" in text
    for secret in SECRETS:
        assert secret not in text, text[-2000:]


def test_django_log_lines_are_redacted(settings):
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    for handler in config["handlers"].values():
        handler["stream"] = stream
    logging.config.dictConfig(config)
    try:
        # What runserver writes for each request, and any other line naming a token.
        logging.getLogger("django.server").info(
            '"%s" 200 12', f"GET /v2/accounts/x/faxes?{_query()} HTTP/1.1"
        )
        logging.getLogger("faxes").error("token %s leaked", SECRETS[1])
    finally:
        logging.config.dictConfig(settings.LOGGING)
    text = stream.getvalue()
    assert "start_key=keepme" in text and "page_size=5" in text and "leaked" in text
    for secret in SECRETS:
        assert secret not in text, text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/x?auth%5Ftoken=abc&a=1", "/x?auth%5Ftoken=[REDACTED]&a=1"),
        ("/x?Token=abc;pwd=x", "/x?Token=[REDACTED];pwd=[REDACTED]"),
        ("/x?start_key=abc&tokens=1", "/x?start_key=abc&tokens=1"),
        ("no query here", "no query here"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_gunicorn_error_log_lines_are_redacted():
    from gunicorn.config import Config

    from faxportal.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    stream = io.StringIO()
    for handler in logger.error_log.handlers:
        handler.setStream(stream)
    logger.error("Error handling request %s", f"GET /login/?{_query()}")
    text = stream.getvalue()
    assert "Error handling request GET /login/?auth_token=[REDACTED]" in text, text
    for secret in SECRETS:
        assert secret not in text, text
