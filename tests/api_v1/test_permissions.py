"""The permission matrix: every route by every scope, no token, and another account (404)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from faxes.models import FaxStatus
from faxes.services import webhooks
from tests.api_v1.conftest import PDF, inbound_fax, outbound_fax
from tests.conftest import session_client, token_client

pytestmark = pytest.mark.django_db
READ, SEND, ALL_READ, MANAGE = "fax:read", "fax:send", "fax:all:read", "faxbox:manage"


@dataclass
class World:
    inbound: str
    outbound: str
    webhook: str
    delivery: str
    account: object

    def queued(self) -> str:
        """A fresh cancellable fax (each cancel uses one up)."""
        return outbound_fax(self.account, status=FaxStatus.QUEUED).pk


@pytest.fixture
def world(acme) -> World:
    received = inbound_fax(acme.account)
    sent = outbound_fax(acme.account, completed_at=timezone.now())
    sent.document.save("fax.pdf", ContentFile(PDF))
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    delivery = webhooks.record_status_change(
        fax_id=received.pk, account_id=acme.account.pk, from_status="", to_status="received"
    )[0]
    return World(received.pk, sent.pk, endpoint.pk, delivery.pk, acme.account)


SEND_BODY = json.dumps({"to": "+14155551234", "media_url": "https://docs.example.com/a.pdf"})
# (method, path, scopes any of which allows it, body)
ROUTES = [
    ("get", "/api/v1/faxes", {READ, ALL_READ}, None),
    ("get", "/api/v1/faxes/{inbound}", {READ, ALL_READ}, None),
    ("get", "/api/v1/faxes/{inbound}/download", {READ, ALL_READ}, None),
    ("get", "/api/v1/faxes/{inbound}/download?format=tiff", {READ, ALL_READ}, None),
    ("patch", "/api/v1/faxes/{inbound}/downloaded", {READ, ALL_READ}, None),
    ("delete", "/api/v1/faxes/{inbound}/downloaded", {READ, ALL_READ}, None),
    ("delete", "/api/v1/faxes/{queued}", {SEND}, None),
    ("post", "/api/v1/faxes/send", {SEND}, SEND_BODY),
    ("get", "/api/v1/faxes/sent", {READ, ALL_READ, SEND}, None),
    ("get", "/api/v1/faxes/sent/{outbound}", {READ, ALL_READ, SEND}, None),
    ("get", "/api/v1/faxes/sent/{outbound}/receipt", {READ, ALL_READ, SEND}, None),
    ("get", "/api/v1/faxes/sent/{outbound}/download", {READ, ALL_READ, SEND}, None),
    ("delete", "/api/v1/faxes/sent/{queued}", {SEND}, None),
    ("get", "/api/v1/webhooks", {MANAGE}, None),
    ("post", "/api/v1/webhooks", {MANAGE}, json.dumps({"url": "https://hooks.example.com/y"})),
    ("get", "/api/v1/webhooks/{webhook}", {MANAGE}, None),
    ("patch", "/api/v1/webhooks/{webhook}", {MANAGE}, json.dumps({"description": "x"})),
    ("post", "/api/v1/webhooks/{webhook}/rotate-secret", {MANAGE}, None),
    ("get", "/api/v1/webhooks/{webhook}/deliveries", {MANAGE}, None),
    ("post", "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", {MANAGE}, None),
    ("delete", "/api/v1/webhooks/{webhook}", {MANAGE}, None),
]
IDS = [f"{m} {p}" for m, p, _, _ in ROUTES]


def call(client, world: World, method: str, path: str, body: str | None):
    url = path.format(
        inbound=world.inbound,
        outbound=world.outbound,
        webhook=world.webhook,
        delivery=world.delivery,
        queued=world.queued() if "{queued}" in path else "",
    )
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.mark.parametrize(("method", "path", "allowed", "body"), ROUTES, ids=IDS)
@pytest.mark.parametrize("scope", [READ, SEND, ALL_READ, MANAGE])
def test_scope_matrix(world, method, path, allowed, body, scope):
    response = call(token_client(world.account, scope), world, method, path, body)
    if scope in allowed:
        assert response.status_code in (200, 201, 202, 204), response.content
    else:
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize(("method", "path", "allowed", "body"), ROUTES, ids=IDS)
def test_without_a_token_every_route_is_401(world, method, path, allowed, body):
    response = call(APIClient(), world, method, path, body)
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "Bearer token required in Authorization header",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer faxapi_not-a-real-token-at-all")
    response = call(bad, world, method, path, body)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


OWN_ONLY = [r for r in ROUTES if "{" in r[1]]


@pytest.mark.parametrize(
    ("method", "path", "allowed", "body"), OWN_ONLY, ids=[f"{m} {p}" for m, p, _, _ in OWN_ONLY]
)
@pytest.mark.parametrize("how", ["token", "session"])
def test_another_accounts_objects_are_404(world, other, method, path, allowed, body, how):
    client = (
        token_client(other.account, f"{READ},{SEND},{MANAGE}")
        if how == "token"
        else session_client(other.admin)
    )
    response = call(client, world, method, path, body)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_another_accounts_lists_are_empty(world, other):
    client = token_client(other.account, f"{READ},{MANAGE}")
    assert client.get("/api/v1/faxes").json()["data"]["faxes"] == []
    assert client.get("/api/v1/faxes/sent").json()["data"]["faxes"] == []
    assert client.get("/api/v1/webhooks").json()["data"]["webhooks"] == []
