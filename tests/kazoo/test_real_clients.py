"""Kazoo's own Python clients (PyPI pykazoo and kazoo-sdk) against a live portal."""

from __future__ import annotations

import json
import time

import pytest
import requests

from accounts.kazoo_auth import regenerate_api_key
from faxes.models import Fax
from tests.factories import FaxNumberFactory, text_pdf
from tests.kazoo.conftest import PASSWORD_OF_TESTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def document_url(pdf_site):
    return f"{pdf_site}/fax.pdf"


@pytest.fixture
def portal(live_server, acme, pharmacy):
    faxbox = acme.account.faxboxes.first()
    faxbox.caller_id = "+12025550140"
    faxbox.save()
    FaxNumberFactory(faxbox=faxbox, number="+12025550140")
    return live_server.url + "/v2"


def wait_completed(poll, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = poll()
        if status in ("completed", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError("fax did not finish")


def test_pykazoo(portal, acme, document_url):
    from pykazoo.client import PyKazooClient

    client = PyKazooClient(portal)
    login = client.authentication.user_auth("alice@acme.test", PASSWORD_OF_TESTS, "Acme Clinic")
    assert login["data"]["account_id"] == acme.account.pk
    account_id = client._rest_request.account_id

    created = client.faxes.create_fax(
        account_id,
        {
            "data": {
                "document": {"url": document_url, "method": "get"},
                "from_number": "+12025550140",
                "to_number": "+12025550120",
                "retries": 2,
            }
        },
    )
    fax_id = created["data"]["id"]
    outgoing = client.faxes.get_faxes(account_id, {"paginate": "false"})
    assert outgoing["status"] == "success"
    rest = client._rest_request

    def outgoing_status() -> str:
        try:
            return rest.get(f"accounts/{account_id}/faxes/outgoing/{fax_id}")["data"]["status"]
        except ValueError:  # 404: the job left the queue for the outbox
            return "completed"

    assert wait_completed(outgoing_status) == "completed"
    outbox = rest.get(f"accounts/{account_id}/faxes/outbox")
    assert outbox["data"][0]["status"] == "completed"
    assert outbox["data"][0]["tx_result"]["pages_sent"] == 2

    # API-key login and faxbox CRUD through the generic request helper.
    key = regenerate_api_key(acme.account)
    keyed = PyKazooClient(portal)
    keyed.authentication.api_auth(key)
    made = keyed._rest_request.put(f"accounts/{account_id}/faxboxes", {"data": {"name": "Py"}})
    box_id = made["data"]["id"]
    keyed._rest_request.post(
        f"accounts/{account_id}/faxboxes/{box_id}", {"data": {"name": "Py renamed", "retries": 2}}
    )
    assert (
        keyed._rest_request.get(f"accounts/{account_id}/faxboxes/{box_id}")["data"]["name"]
        == "Py renamed"
    )
    keyed._rest_request.delete(f"accounts/{account_id}/faxboxes/{box_id}")
    with pytest.raises(ValueError):  # pykazoo raises ValueError on 404
        keyed._rest_request.get(f"accounts/{account_id}/faxboxes/{box_id}")
    with pytest.raises(PermissionError):  # and PermissionError on 401
        PyKazooClient(portal).authentication.user_auth("alice@acme.test", "wrong", "Acme Clinic")


def test_kazoo_sdk(portal, acme, pharmacy, document_url):
    import kazoo

    client = kazoo.Client(
        username="alice@acme.test",
        password=PASSWORD_OF_TESTS,
        account_name="Acme Clinic",
        base_url=portal,
    )
    client.authenticate()
    account_id = client.auth_data["data"]["account_id"]
    assert account_id == acme.account.pk
    base = f"/accounts/{account_id}"

    # Create by URL, and by multipart upload (kazoo-sdk sends multipart/form-data).
    ok, job = client.manual_request(
        f"{base}/faxes",
        "put",
        data={
            "data": {
                "document": {"url": document_url},
                "from_number": "+12025550140",
                "to_number": "+12025550120",
            }
        },
    )
    assert ok, job
    envelope = json.dumps({"data": {"from_number": "+12025550140", "to_number": "+12025550120"}})
    ok, uploaded = client.manual_request(
        f"{base}/faxes",
        "put",
        headers={"Content-Type": None},
        files={
            "json": ("fax.json", envelope, "application/json"),
            "file": ("fax.pdf", text_pdf(1), "application/pdf"),
        },
    )
    assert ok, uploaded.content if hasattr(uploaded, "content") else uploaded

    def outgoing_status(fax_id):
        ok, doc = client.manual_request(f"{base}/faxes/outgoing/{fax_id}")
        return doc["status"] if ok else "completed"  # finished jobs leave the queue (404)

    for fax_id in (job["id"], uploaded["id"]):
        assert wait_completed(lambda f=fax_id: outgoing_status(f)) == "completed"

    ok, outbox = client.manual_request(f"{base}/faxes/outbox")
    assert ok and {row["id"].split("-", 1)[1] for row in outbox} == {job["id"], uploaded["id"]}
    ok, inbox_as_pharmacy = True, Fax.objects.filter(direction="inbound").count()
    assert inbox_as_pharmacy == 2

    # Download and strip the attachment, then resubmit.
    outbox_id = outbox[0]["id"]
    download = requests.get(
        f"{portal}{base}/faxes/outbox/{outbox_id}/attachment",
        headers={"X-Auth-Token": client.auth_token, "Accept": "*/*"},
        timeout=10,
    )
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    ok, _doc = client.manual_request(f"{base}/faxes/outbox/{outbox_id}/attachment", "delete")
    assert ok
    gone = requests.get(
        f"{portal}{base}/faxes/outbox/{outbox_id}/attachment",
        headers={"X-Auth-Token": client.auth_token},
        timeout=10,
    )
    assert gone.status_code == 404
    ok, resubmitted = client.manual_request(
        f"{base}/faxes/outbox/{outbox[1]['id']}", "put", data={"action": "resubmit", "data": {}}
    )
    assert ok and resubmitted["id"] not in (job["id"], uploaded["id"])

    # Inbox of the receiving account, through an API-key client.
    key = regenerate_api_key(pharmacy.account)
    keyed = kazoo.Client(api_key=key, base_url=portal)
    keyed.authenticate()
    ok, inbox = keyed.manual_request(f"/accounts/{pharmacy.account.pk}/faxes/inbox")
    assert ok and len(inbox) >= 2 and inbox[0]["folder"] == "inbox"

    # Faxbox CRUD.
    ok, box = client.manual_request(f"{base}/faxboxes", "put", data={"data": {"name": "SDK"}})
    assert ok and box["smtp_email_address"]
    ok, box = client.manual_request(
        f"{base}/faxboxes/{box['id']}", "patch", data={"data": {"retries": 4}}
    )
    assert ok and box["retries"] == 4 and box["name"] == "SDK"
    ok, _ = client.manual_request(f"{base}/faxboxes/{box['id']}", "delete")
    assert ok
