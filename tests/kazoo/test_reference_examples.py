"""Every curl example of the two providers' Kazoo fax docs (reference 001 and 004),
replayed with host, ids and tokens substituted, checked against the documented shapes."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.test.client import encode_multipart

from faxes import services
from tests.factories import FaxNumberFactory, text_pdf
from tests.kazoo.conftest import Kazoo

pytestmark = pytest.mark.django_db(transaction=True)

TX_RESULT_KEYS = {"error_message", "fax_bad_rows", "fax_error_correction", "fax_receiver_id",
                  "fax_speed", "pages_sent", "success", "time_elapsed"}  # fmt: skip


@pytest.fixture
def myserver(pdf_site):
    """Stands in for http://myserver.com of the examples."""
    return pdf_site


@pytest.fixture
def world(kazoo_login, acme, pharmacy):
    """ACCOUNT_ID, AUTH_TOKEN; the example numbers 18884732963 belong to a faxbox of
    another account here, so the faxes really arrive."""
    faxbox = acme.account.faxboxes.first()
    faxbox.caller_id = "+18884732963"
    faxbox.save()
    FaxNumberFactory(faxbox=pharmacy, number="+18884732963")
    return kazoo_login, f"/v2/accounts/{acme.account.pk}"


def curl(client: Kazoo, method: str, url: str, data: str | None = None, **headers):
    """As curl sends it: ``-d`` bodies go out as application/x-www-form-urlencoded."""
    content_type = headers.pop("content_type", "application/x-www-form-urlencoded")
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    kwargs = {"content_type": content_type} if data else {}
    return client.client.generic(method, url, data or "", **kwargs, **client.headers(extra))


def assert_envelope(body: dict, *, auth_token: str) -> None:
    assert body["status"] == "success" and body["auth_token"] == auth_token
    assert body["request_id"] and body["revision"]


def test_001_create_by_url_and_the_queue(world, myserver):
    client, base = world
    body = ('{"data":{"document":{"url":"' + myserver + '/fax.pdf","method":"get"},"retries":3,'
            '"from_name":"Test Fax","from_number":"18884732963","to_name":"To Name",'
            '"to_number":"18884732963"}}')  # fmt: skip
    response = curl(client, "PUT", f"{base}/faxes", body)
    assert response.status_code == 201
    created = response.json()
    assert_envelope(created, auth_token=client.token)
    job = created["data"]
    for key in ("document", "retries", "from_name", "from_number", "to_name", "to_number",
                "attempts", "tx_result", "fax_timezone", "id"):  # fmt: skip
        assert key in job, key
    assert job["document"] == {"url": f"{myserver}/fax.pdf", "method": "get"}
    assert set(job["tx_result"]) >= TX_RESULT_KEYS

    # The alias, with no body: a validation error, not a crash.
    assert curl(client, "PUT", f"{base}/faxes/outgoing").status_code == 400

    listing = curl(client, "GET", f"{base}/faxes/outgoing").json()
    assert_envelope(listing, auth_token=client.token)
    assert "page_size" in listing and isinstance(listing["data"], list)

    outbox = curl(client, "GET", f"{base}/faxes/outbox").json()
    row = outbox["data"][0]
    assert {"id", "status", "to", "from", "created"} <= set(row)
    item = curl(client, "GET", f"{base}/faxes/outbox/{row['id']}").json()["data"]
    assert item["id"] == row["id"] and set(item["tx_result"]) >= TX_RESULT_KEYS


def test_001_create_by_multipart_mixed_like_curl(world):
    client, base = world
    boundary = "------------------------curl"
    fax_json = json.dumps({"data": {"from_number": "18884732963", "to_number": "18884732963"}})
    # What `curl -H "Content-Type: multipart/mixed" -F "content=@fax.json; type=application/json"
    # -F "content=@fax.pdf; type=application/pdf"` puts on the wire.
    parts = [
        (b'Content-Disposition: form-data; name="content"; filename="fax.json"\r\n'
         b"Content-Type: application/json\r\n\r\n" + fax_json.encode()),
        (b'Content-Disposition: form-data; name="content"; filename="fax.pdf"\r\n'
         b"Content-Type: application/pdf\r\n\r\n" + text_pdf(1)),
    ]  # fmt: skip
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    body += f"--{boundary}--\r\n".encode()
    response = client.client.generic(
        "PUT", f"{base}/faxes", body,
        content_type=f"multipart/mixed; boundary={boundary}", **client.headers(),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["data"]["to_number"] == "+18884732963"


def test_001_outbox_inbox_incoming_smtplog_and_deletes(world, acme, pharmacy):
    client, base = world
    services.submit_fax(account=pharmacy.account, faxbox=pharmacy,
                        recipients=[acme.account.faxboxes.first().caller_id or "+12025550140"],
                        documents=[services.UploadedFile(text_pdf(1), "a.pdf")])  # fmt: skip
    curl(client, "PUT", f"{base}/faxes?to_number=18884732963&from_number=18884732963")
    response = client.client.put(
        f"{base}/faxes?to_number=18884732963&from_number=18884732963",
        text_pdf(1),
        content_type="application/pdf",
        **client.headers(),
    )
    assert response.status_code == 201
    outbox_id = curl(client, "GET", f"{base}/faxes/outbox").json()["data"][0]["id"]

    resubmit = curl(client, "PUT", f"{base}/faxes/outbox/{outbox_id}",
                    '{"action": "resubmit", "data": {}}')  # fmt: skip
    assert resubmit.status_code == 201 and resubmit.json()["data"]["id"]
    attachment = curl(client, "GET", f"{base}/faxes/outbox/{outbox_id}/attachment")
    assert attachment.status_code == 200 and attachment["Content-Type"] == "application/pdf"
    for path in ("faxes/smtplog", "faxes/inbox", "faxes/incoming"):
        listing = curl(client, "GET", f"{base}/{path}")
        assert listing.status_code == 200 and isinstance(listing.json()["data"], list), path
    assert curl(client, "DELETE", f"{base}/faxes/outbox/{outbox_id}/attachment").status_code == 200
    assert curl(client, "DELETE", f"{base}/faxes/outbox/{outbox_id}").status_code == 200


def test_004_audian_examples(world, myserver):
    client, base = world
    # List Faxes (paginate=false), Accept: application/json
    listing = curl(client, "GET", f"{base}/faxes?paginate=false", accept="application/json")
    assert listing.status_code == 200 and listing.json()["status"] == "success"
    # Send Fax using Document URL (top-level document_url)
    response = curl(
        client,
        "PUT",
        f"{base}/faxes",
        json.dumps(
            {
                "data": {
                    "from_number": "+14155552671",
                    "to_number": "+18884732963",
                    "document_url": f"{myserver}/document.pdf",
                }
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    # Send Fax using Document Upload (multipart/form-data fields)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.client.put(
        f"{base}/faxes",
        encode_multipart("B0UND", {
            "to_number": "+18884732963", "from_number": "+14155552671",
            "document": SimpleUploadedFile("document.pdf", text_pdf(1), "application/pdf")}),
        content_type="multipart/form-data; boundary=B0UND", **client.headers(),
    )  # fmt: skip
    assert upload.status_code == 201, upload.content
    fax_id = upload.json()["data"]["id"]
    rows = curl(client, "GET", f"{base}/faxes?paginate=false").json()["data"]
    row = next(r for r in rows if r["id"] == fax_id)
    assert {"id", "direction", "from_number", "to_number", "status", "pages", "timestamp"} <= set(
        row
    )
    assert row["direction"] == "outbound" and row["status"] in ("pending", "processing",
                                                                "sending", "sent")  # fmt: skip
    # Get Fax Details
    detail = curl(client, "GET", f"{base}/faxes/{fax_id}", accept="application/json").json()
    assert detail["data"]["id"] == fax_id
    # Download Fax Document
    download = curl(client, "GET", f"{base}/faxes/{fax_id}/attachment", accept="application/pdf")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Inbox and Outbox
    assert curl(client, "GET", f"{base}/faxes/inbox", accept="application/json").status_code == 200
    assert curl(client, "GET", f"{base}/faxes/outbox", accept="application/json").status_code == 200
    # Delete Fax
    assert curl(client, "DELETE", f"{base}/faxes/{fax_id}").status_code == 200


def test_unauthenticated_example_is_rejected_with_the_error_envelope(acme):
    response = Client().get(f"/v2/accounts/{acme.account.pk}/faxes", HTTP_ACCEPT="application/json")
    body = response.json()
    assert response.status_code == 401
    assert body == {**body, "status": "error", "error": "401", "message": "invalid_credentials"}
