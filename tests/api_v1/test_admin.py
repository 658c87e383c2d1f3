"""Django admin for webhook endpoints, deliveries and download marks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import create_api_token
from faxes.models import DownloadMark, WebhookDelivery, WebhookEndpoint
from faxes.services import downloads, webhooks
from tests.api_v1.conftest import inbound_fax

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def populated(acme):
    fax = inbound_fax(acme.account)
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    delivery = webhooks.record_status_change(
        fax_id=fax.pk, account_id=acme.account.pk, from_status="", to_status="received"
    )[0]
    token = create_api_token(acme.account, name="vendor", scopes="fax:read").token
    mark = downloads.mark_downloaded(fax, token)
    return {"webhookendpoint": endpoint.pk, "webhookdelivery": delivery.pk, "downloadmark": mark.pk}


@pytest.mark.parametrize("model", ["webhookendpoint", "webhookdelivery", "downloadmark"])
def test_pages_load(operator, populated, model):
    assert operator.get(reverse(f"admin:faxes_{model}_changelist")).status_code == 200
    assert (
        operator.get(reverse(f"admin:faxes_{model}_changelist"), {"q": "acme"}).status_code == 200
    )
    change = reverse(f"admin:faxes_{model}_change", args=[populated[model]])
    assert operator.get(change).status_code == 200


def test_secret_is_generated_shown_once_and_never_in_the_form(operator, acme):
    response = operator.post(
        reverse("admin:faxes_webhookendpoint_add"),
        {
            "account": acme.account.pk,
            "url": "https://hooks.example.com/admin",
            "events": ["fax.received"],
            "description": "",
            "enabled": "on",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    page = operator.get(reverse("admin:faxes_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()


def test_admin_refuses_private_urls(operator, acme):
    response = operator.post(
        reverse("admin:faxes_webhookendpoint_add"),
        {
            "account": acme.account.pk,
            "url": "http://10.0.0.1/x",
            "events": ["fax.received"],
            "enabled": "on",
        },
    )
    assert response.status_code == 200 and "not allowed" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_redeliver_action(operator, populated):
    operator.post(
        reverse("admin:faxes_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [populated["webhookdelivery"]]},
    )
    assert WebhookDelivery.objects.count() == 2
    assert DownloadMark.objects.count() == 1
