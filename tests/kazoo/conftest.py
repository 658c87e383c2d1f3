from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client

from accounts.kazoo_auth import regenerate_api_key
from faxportal.celery import app as celery_app
from tests.fileserver import serving


@pytest.fixture(autouse=True)
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


class Kazoo:
    """A /v2 client: JSON envelopes in, parsed envelopes out."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"HTTP_X_AUTH_TOKEN": self.token} if self.token else {}
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, data=None, *, envelope=None, **extra):
        body = envelope if envelope is not None else ({"data": data} if data is not None else None)
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = (
            getattr(self.client, method.lower())(
                path,
                json.dumps(body) if body is not None else None,
                **kwargs,
                **self.headers(extra),
            )
            if body is not None
            else getattr(self.client, method.lower())(path, **self.headers(extra))
        )
        return response

    def json(self, method: str, path: str, data=None, **kwargs):
        response = self.call(method, path, data, **kwargs)
        return response.status_code, response.json()


PASSWORD_OF_TESTS = "correct horse battery"


def md5_credentials(username: str, password: str) -> str:
    return hashlib.md5(f"{username}:{password}".encode()).hexdigest()  # noqa: S324


@pytest.fixture
def kazoo_login(acme):
    """A logged-in Kazoo client for acme (via api_auth)."""
    key = regenerate_api_key(acme.account)
    client = Kazoo()
    status, body = client.json("PUT", "/v2/api_auth", {"api_key": key})
    assert status == 201, body
    client.token = body["auth_token"]
    return client


@pytest.fixture
def acme_faxbox(acme):
    from tests.factories import FaxNumberFactory

    faxbox = acme.account.faxboxes.first()
    faxbox.caller_id = "+12025550140"
    faxbox.caller_name = "Acme front desk"
    faxbox.max_attempts = 3
    faxbox.save()
    FaxNumberFactory(faxbox=faxbox, number="+12025550140")
    return faxbox


@pytest.fixture
def pdf_site(settings):
    """A web server on loopback serving a 2-page PDF at any path (document URLs)."""
    from tests.factories import text_pdf

    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    pdf = text_pdf(2)

    with serving(pdf, "application/pdf") as url:
        yield url
