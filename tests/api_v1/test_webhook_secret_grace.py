"""Secret rotation with a grace period: both signatures until the old secret expires."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import User
from faxes.models import WebhookEndpoint
from faxes.services import webhooks
from tests.api_v1.conftest import inbound_fax
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks"


def _post(client, path, body=None):
    data = json.dumps(body) if body is not None else None
    return client.post(path, data, content_type="application/json")


def _deliver_one(account, hook_server):
    """Raise one event, deliver it; the request the endpoint got."""
    fax = inbound_fax(account)
    delivery = webhooks.record_status_change(
        fax_id=fax.pk, account_id=account.pk, from_status="", to_status="received"
    )[0]
    assert webhooks.deliver(delivery.pk) == "succeeded"
    return hook_server.requests[-1]


def _accepts(secret: str, request) -> bool:
    """The Standard Webhooks reference library, as a receiver runs it."""
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


def test_rotation_through_the_api_keeps_the_old_secret_for_the_grace_period(
    acme, other, hook_server, settings, monkeypatch
):
    settings.FAXPORTAL_WEBHOOK_SECRET_GRACE = 3600
    client = token_client(acme.account, "faxbox:manage")
    created = _post(client, URL, {"url": hook_server.url}).json()["data"]
    old = created["secret"]
    assert created["previous_secret_expires_at"] is None

    # Another account cannot rotate it.
    outsider = token_client(other.account, "faxbox:manage")
    assert _post(outsider, f"{URL}/{created['id']}/rotate-secret").status_code == 404

    before = timezone.now()
    rotated = _post(client, f"{URL}/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()["data"]["secret"]
    assert new != old
    expires = rotated.json()["data"]["previous_secret_expires_at"]
    assert (
        expires == client.get(f"{URL}/{created['id']}").json()["data"]["previous_secret_expires_at"]
    )
    grace_end = WebhookEndpoint.objects.get().previous_secret_expires_at
    assert timedelta(seconds=3599) <= grace_end - before <= timedelta(seconds=3601)

    request = _deliver_one(acme.account, hook_server)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert request.headers["webhook-signature"].split(" ")[0].startswith("v1,")
    assert _accepts(new, request) and _accepts(old, request)
    assert not _accepts(webhooks.signing.generate_secret(), request)

    # An hour later the old secret signs nothing any more.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=3601))
    request = _deliver_one(acme.account, hook_server)
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert _accepts(new, request) and not _accepts(old, request)
    assert client.get(f"{URL}/{created['id']}").json()["data"]["previous_secret_expires_at"] is None


def test_a_second_rotation_keeps_only_the_secret_it_replaced(acme, hook_server):
    endpoint, first = webhooks.create_endpoint(acme.account, url=hook_server.url)
    second = webhooks.rotate_secret(endpoint)
    third = webhooks.rotate_secret(endpoint)
    request = _deliver_one(acme.account, hook_server)
    assert _accepts(third, request) and _accepts(second, request)
    assert not _accepts(first, request)


def test_grace_zero_drops_the_old_secret_at_once(acme, hook_server):
    client = token_client(acme.account, "faxbox:manage")
    created = _post(client, URL, {"url": hook_server.url}).json()["data"]
    rotated = _post(client, f"{URL}/{created['id']}/rotate-secret", {"grace_seconds": 0})
    assert rotated.status_code == 200
    assert rotated.json()["data"]["previous_secret_expires_at"] is None
    request = _deliver_one(acme.account, hook_server)
    assert _accepts(rotated.json()["data"]["secret"], request)
    assert not _accepts(created["secret"], request)


@pytest.mark.parametrize("grace", [-1, 7 * 24 * 3600 + 1, "3600", 1.5, True, None])
def test_bad_grace_is_400_and_keeps_the_secret(acme, grace):
    client = token_client(acme.account, "faxbox:manage")
    created = _post(client, URL, {"url": "https://hooks.example.com/fax"}).json()["data"]
    answer = _post(client, f"{URL}/{created['id']}/rotate-secret", {"grace_seconds": grace})
    if grace is None:  # null means the default
        assert answer.status_code == 200
        return
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert answer.json()["message"].startswith("grace_seconds:")
    assert WebhookEndpoint.objects.get().secret == created["secret"]


def test_admin_rotation_honours_the_grace_period(acme, hook_server):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    operator = Client()
    operator.force_login(root)
    endpoint, old = webhooks.create_endpoint(acme.account, url=hook_server.url)
    changelist = reverse("admin:faxes_webhookendpoint_changelist")
    operator.post(changelist, {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    new = WebhookEndpoint.objects.get().secret
    request = _deliver_one(acme.account, hook_server)
    assert new != old and _accepts(new, request) and _accepts(old, request)

    operator.post(changelist, {"action": "rotate_secret_now", "_selected_action": [endpoint.pk]})
    newest = WebhookEndpoint.objects.get().secret
    request = _deliver_one(acme.account, hook_server)
    assert _accepts(newest, request)
    assert not _accepts(new, request) and not _accepts(old, request)
