"""Chunked request bodies (as Node and Go clients stream uploads) are read, under the same
size limit, by the production server (gunicorn) and the development server (runserver),
on both APIs: raw chunked HTTP over a socket to a real server process."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from accounts.services import create_api_token
from faxes.models import Fax
from tests.factories import text_pdf

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
LIMIT = 22 * 1024 * 1024  # more than DATA_UPLOAD_MAX_MEMORY_SIZE (21 MB by default)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(server: str, port: int) -> list[str]:
    if server == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "faxportal.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "1"]  # fmt: skip
    return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]


@pytest.fixture(params=["gunicorn", "runserver"])
def server(request, tmp_path, settings, shared_database_url) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAXPORTAL_", "CELERY_"))}
    env.update(
        DATABASE_URL=shared_database_url,
        FAXPORTAL_DATA_DIR=str(tmp_path / "data"),
        FAXPORTAL_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        FAXPORTAL_ENCRYPTION_KEYS=",".join(settings.FAXPORTAL_ENCRYPTION_KEYS),
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        _command(request.param, port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield request.param, port
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=5)


def _pieces(data: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _chunked(port, method, path, body: bytes, headers: dict, connection=None):
    """A request whose body goes out in chunks (no Content-Length), as http.client streams."""
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=_pieces(body), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    return response.status, response.read(), connection


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----chunkedupload"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_v1_reads_chunked_json_and_uploads(server, acme):
    _, port = server
    token = create_api_token(acme.account, name="node", scopes="fax:send,fax:read").secret
    auth = {"Authorization": f"Bearer {token}"}
    body = json.dumps({"to": "+14155551234", "media_url": "https://docs.example.com/a.pdf"})
    status, answer, connection = _chunked(
        port, "POST", "/api/v1/faxes/send", body.encode(),
        {**auth, "Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200, answer
    assert json.loads(answer)["fax"]["to"] == "+14155551234"

    # A streamed multipart upload, on the same connection where the server keeps it open.
    upload, content_type = _multipart({"to": "+14155551235"}, "letter.pdf", text_pdf(2))
    status, answer, _ = _chunked(
        port, "POST", "/api/v1/faxes/send", upload, {**auth, "Content-Type": content_type},
        connection=connection,
    )  # fmt: skip
    assert status == 200, answer
    assert json.loads(answer)["fax"]["pages"] == "2"
    assert sorted(Fax.objects.values_list("to_number", flat=True)) == [
        "+14155551234", "+14155551235",
    ]  # fmt: skip


def test_v1_chunked_body_over_the_limit_is_413(server, acme):
    _, port = server
    token = create_api_token(acme.account, name="node", scopes="fax:send").secret
    huge = b'{"to": "+14155551234", "data": "' + b"A" * LIMIT + b'"}'
    status, answer, _ = _chunked(
        port, "POST", "/api/v1/faxes/send", huge,
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 413, answer[:300]
    assert json.loads(answer)["error"] == "payload_too_large"
    assert not Fax.objects.exists()


def test_kazoo_reads_chunked_envelopes_and_refuses_oversized_ones(server, acme):
    from accounts.kazoo_auth import regenerate_api_key

    _, port = server
    key = regenerate_api_key(acme.account)
    login = json.dumps({"data": {"api_key": key}}).encode()
    status, answer, _ = _chunked(
        port, "PUT", "/v2/api_auth", login, {"Content-Type": "application/json"}
    )
    assert status == 201, answer
    token = json.loads(answer)["auth_token"]
    faxbox = acme.account.faxboxes.first()
    faxbox.caller_id = "+12025550140"
    faxbox.save()
    job = {"data": {"to_number": "+12025550120", "from_number": "+12025550140",
                    "document": {"url": "https://docs.example.com/a.pdf"}}}  # fmt: skip
    status, answer, _ = _chunked(
        port, "PUT", f"/v2/accounts/{acme.account.pk}/faxes", json.dumps(job).encode(),
        {"X-Auth-Token": token, "Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 201, answer
    assert json.loads(answer)["data"]["to_number"] == "+12025550120"

    huge = b'{"data": {"x": "' + b"A" * LIMIT + b'"}}'
    status, answer, _ = _chunked(
        port, "PUT", f"/v2/accounts/{acme.account.pk}/faxes", huge,
        {"X-Auth-Token": token, "Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 413, answer[:300]
    envelope = json.loads(answer)
    assert envelope["status"] == "error" and envelope["error"] == "413"
    assert Fax.objects.count() == 1
