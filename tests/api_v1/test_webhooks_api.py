"""/api/v1/webhooks: account admins register endpoints and read the delivery log; bad values
are a 400 and store nothing."""

from __future__ import annotations

import json

import pytest

from faxes.models import FaxStatus, WebhookDelivery, WebhookEndpoint
from faxes.services import webhooks
from faxes.webhooks import signing
from tests.api_v1.conftest import inbound_fax
from tests.conftest import session_client, token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks"


def admin_client(account):
    return token_client(account, "faxbox:manage")


def create(client, **body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_register_list_get_update_delete(acme):
    client = admin_client(acme.account)
    response = create(client, url="https://hooks.example.com/fax", description="ERP")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["url"] == "https://hooks.example.com/fax" and data["enabled"] is True
    assert data["events"] == ["fax.received", "fax.delivered", "fax.failed"]
    assert signing.secret_key(data["secret"])  # whsec_ + base64, shown once
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == data["secret"]
    listed = client.get(URL).json()["data"]["webhooks"]
    assert [w["id"] for w in listed] == [data["id"]] and "secret" not in listed[0]
    detail = client.get(f"{URL}/{data['id']}").json()["data"]
    assert "secret" not in detail and detail["description"] == "ERP"
    patched = client.patch(
        f"{URL}/{data['id']}",
        json.dumps({"events": ["fax.status_changed"], "enabled": False}),
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["data"]["events"] == ["fax.status_changed"]
    assert patched.json()["data"]["enabled"] is False
    assert client.delete(f"{URL}/{data['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_own_secret_and_rotation(acme):
    client = admin_client(acme.account)
    mine = signing.generate_secret()
    data = create(client, url="https://hooks.example.com/fax", secret=mine).json()["data"]
    assert data["secret"] == mine
    rotated = client.post(f"{URL}/{data['id']}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["data"]["secret"]
    assert new_secret != mine
    assert WebhookEndpoint.objects.get().secret == new_secret
    bad = client.post(
        f"{URL}/{data['id']}/rotate-secret",
        json.dumps({"secret": "hunter2"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["message"].startswith("secret:")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",  # private
        "http://169.254.169.254/latest/meta-data",  # cloud metadata (link-local)
        "http://127.0.0.1:8000/hook",  # this machine
        "http://0x7f.1/hook",  # loopback in disguise
        "http://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private
        "http://internal.example.com/hook",  # a name resolving to a private address
        "http://mixed.example.com/hook",  # one public and one private address
        "http://nowhere.invalid/hook",  # does not resolve
        "ftp://hooks.example.com/hook",
        "hooks.example.com/hook",
        "",
    ],
)
def test_endpoint_urls_get_the_document_url_ssrf_rules(acme, url):
    response = create(admin_client(acme.account), url=url)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["message"].startswith("url:")
    assert not WebhookEndpoint.objects.exists()


def test_loopback_endpoint_allowed_only_when_configured(acme, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    assert create(admin_client(acme.account), url="http://127.0.0.1:9/hook").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["fax.exploded"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "fax.failed"}, "events"),
        ({"enabled": "yes"}, "enabled"),
        ({"description": "x" * 201}, "description"),
        ({"secret": "whsec_short"}, "secret"),
    ],
)
def test_bad_endpoint_fields_are_400(acme, body, field):
    response = create(admin_client(acme.account), url="https://hooks.example.com/x", **body)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_updating_to_a_private_url_is_refused(acme):
    client = admin_client(acme.account)
    data = create(client, url="https://hooks.example.com/fax").json()["data"]
    response = client.patch(
        f"{URL}/{data['id']}",
        json.dumps({"url": "http://10.1.2.3/"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.com/fax"


def test_delivery_log_and_redeliver(acme, hook_server):
    client = admin_client(acme.account)
    data = create(client, url=hook_server.url).json()["data"]
    fax = inbound_fax(acme.account)
    delivery = webhooks.record_status_change(
        fax_id=fax.pk, account_id=acme.account.pk, from_status="", to_status=FaxStatus.RECEIVED
    )[0]
    hook_server.script = [(500, b"nope")]
    webhooks.deliver(delivery.pk)
    log = client.get(f"{URL}/{data['id']}/deliveries").json()
    entry = log["data"]["deliveries"][0]
    assert entry["id"] == delivery.pk and entry["status"] == "pending"
    assert entry["attempts"] == 1 and entry["last_status_code"] == 500
    assert entry["last_response"] == "nope" and entry["payload"]["type"] == "fax.received"
    assert log["pagination"]["total"] == 1
    pending = client.get(f"{URL}/{data['id']}/deliveries?status=succeeded").json()
    assert pending["data"]["deliveries"] == []
    assert client.get(f"{URL}/{data['id']}/deliveries?status=odd").status_code == 400
    again = client.post(f"{URL}/{data['id']}/deliveries/{delivery.pk}/redeliver")
    assert again.status_code == 202
    assert again.json()["data"]["id"] != delivery.pk
    assert WebhookDelivery.objects.count() == 2


def test_only_account_admins_manage_webhooks(acme):
    assert token_client(acme.account, "fax:read,fax:send,fax:all:read").get(URL).status_code == 403
    assert session_client(acme.viewer).get(URL).status_code == 403
    assert session_client(acme.admin).get(URL).status_code == 200


def test_other_accounts_webhooks_are_404(acme, other, hook_server):
    data = create(admin_client(acme.account), url="https://hooks.example.com/fax").json()["data"]
    fax = inbound_fax(acme.account)
    delivery = webhooks.record_status_change(
        fax_id=fax.pk, account_id=acme.account.pk, from_status="", to_status=FaxStatus.RECEIVED
    )[0]
    for client in (admin_client(other.account), session_client(other.admin)):
        for method, path in [
            ("get", f"{URL}/{data['id']}"),
            ("patch", f"{URL}/{data['id']}"),
            ("delete", f"{URL}/{data['id']}"),
            ("post", f"{URL}/{data['id']}/rotate-secret"),
            ("get", f"{URL}/{data['id']}/deliveries"),
            ("post", f"{URL}/{data['id']}/deliveries/{delivery.pk}/redeliver"),
        ]:
            response = getattr(client, method)(path, content_type="application/json")
            assert response.status_code == 404, (method, path)
        assert client.get(URL).json()["data"]["webhooks"] == []
    assert WebhookEndpoint.objects.filter(pk=data["id"]).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://hooks.example.com/x", "events": [["fax.received"]]}, "events"),
        ({"url": "https://hooks.example.com/x", "events": [{"a": 1}]}, "events"),
        ({"url": "https://hooks.example.com/x\u0000"}, "url"),
        ({"url": "https://hooks.example.com/x", "description": "a\u0000b"}, "description"),
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_webhook_bad_values_are_400_and_store_nothing(acme, body, field):
    client = token_client(acme.account, "faxbox:manage")
    response = client.post("/api/v1/webhooks", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "bad_request"
    assert field in response.json()["details"]
    assert not WebhookEndpoint.objects.exists()


def test_webhook_update_with_bad_events_keeps_the_endpoint(acme):
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    client = token_client(acme.account, "faxbox:manage")
    response = client.patch(
        f"/api/v1/webhooks/{endpoint.pk}",
        json.dumps({"events": [None], "description": "\u0007"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["details"]) == {"events", "description"}
    endpoint.refresh_from_db()
    assert endpoint.events == ["fax.received", "fax.delivered", "fax.failed"]
    assert endpoint.description == ""


def test_huge_page_of_webhook_deliveries_is_400(acme):
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    client = token_client(acme.account, "faxbox:manage")
    response = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries?page=99999999999999999999")
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
