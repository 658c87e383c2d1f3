"""The /v2 faxes routes: create in every encoding, folders, attachments, actions, scopes."""

from __future__ import annotations

import base64
import http.server
import json
import threading

import pytest
from django.test import Client
from PIL import Image

from faxes.models import Fax, SmtpLog
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base(acme):
    return f"/v2/accounts/{acme.account.pk}"


@pytest.fixture
def pdf_server():
    pdf = text_pdf(2)
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
            if self.path.startswith("/fax.pdf"):
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(pdf)))
                self.end_headers()
                self.wfile.write(pdf)
            else:
                self.send_response(404)
                self.end_headers()

        do_GET = do_POST = _serve

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_create_by_document_url_with_kazoo_options(
    kazoo_login, base, pdf_server, pharmacy, settings
):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    url, seen = pdf_server
    status, body = kazoo_login.json(
        "PUT",
        f"{base}/faxes",
        {
            "document": {
                "url": f"{url}/fax.pdf",
                "method": "post",
                "content": "id=7",
                "content_type": "application/x-www-form-urlencoded",
                "referer": "http://r/",
            },
            "retries": 3,
            "from_name": "Test Fax",
            "from_number": "18884732963",
            "to_name": "To Name",
            "to_number": "2025550120",
            "fax_identity_name": "ACME",
        },
    )
    assert status == 201, body
    job = body["data"]
    assert job["document"]["url"] == f"{url}/fax.pdf" and job["document"]["method"] == "post"
    assert job["to_number"] == "+12025550120"  # stored normalised
    assert job["retries"] == 3 and job["from_name"] == "Test Fax"
    assert job["fax_identity_name"] == "ACME"  # unknown keys are kept
    assert set(job["tx_result"]) >= {
        "error_message",
        "fax_bad_rows",
        "fax_error_correction",
        "fax_receiver_id",
        "fax_speed",
        "pages_sent",
        "success",
        "time_elapsed",
    }
    method, _path, headers, sent = seen[0]
    assert method == "POST" and sent == b"id=7"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["Referer"] == "http://r/"
    fax = Fax.objects.get(pk=job["id"])
    assert fax.status == "delivered" and fax.pages == 2


def test_document_url_404_fails_with_kazoos_text(kazoo_login, base, pdf_server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    url, _seen = pdf_server
    status, body = kazoo_login.json(
        "PUT",
        f"{base}/faxes/outgoing",
        {
            "document": {"url": f"{url}/missing.pdf"},
            "from_number": "+12025550140",
            "to_number": "+12025550120",
        },
    )
    assert status == 201
    fax_id = body["data"]["id"]
    status, body = kazoo_login.json("GET", f"{base}/faxes/outbox/{fax_id}")
    assert body["data"]["status"] == "failed"
    assert body["data"]["tx_result"]["error_message"] == (
        "could not retrieve file, HTTP response 404"
    )


def multipart_mixed(parts: list[tuple[str, bytes, dict]]) -> tuple[bytes, str]:
    boundary = "faxportalboundary"
    body = b""
    for content_type, payload, headers in parts:
        body += f"--{boundary}\r\nContent-Type: {content_type}\r\n".encode()
        for name, value in headers.items():
            body += f"{name}: {value}\r\n".encode()
        body += b"\r\n" + payload + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/mixed; boundary={boundary}"


@pytest.mark.parametrize("encoding", ["binary", "base64"])
def test_create_by_multipart_mixed(kazoo_login, base, pharmacy, encoding):
    envelope = json.dumps({"data": {"from_number": "+12025550140", "to_number": "+12025550120"}})
    pdf = text_pdf(1)
    payload, headers = pdf, {"Content-Disposition": 'form-data; name="content"; filename="a.pdf"'}
    if encoding == "base64":
        payload = base64.b64encode(pdf)
        headers["Content-Transfer-Encoding"] = "base64"
    body, content_type = multipart_mixed(
        [("application/json", envelope.encode(), {}), ("application/pdf", payload, headers)]
    )
    response = kazoo_login.client.generic(
        "PUT", f"{base}/faxes", body, content_type=content_type, **kazoo_login.headers()
    )
    assert response.status_code == 201, response.content
    fax = Fax.objects.get(pk=response.json()["data"]["id"])
    assert fax.status == "delivered" and fax.pages == 1


def test_create_by_multipart_form_data_like_kazoo_sdk(kazoo_login, base, pharmacy):
    from django.core.files.uploadedfile import SimpleUploadedFile

    envelope = json.dumps({"data": {"from_number": "+12025550140", "to_number": "+12025550120"}})
    response = kazoo_login.client.put(
        f"{base}/faxes",
        data=_encode_multipart(
            {
                "json": SimpleUploadedFile("fax.json", envelope.encode(), "application/json"),
                "file": SimpleUploadedFile("fax.pdf", text_pdf(1), "application/pdf"),
            }
        ),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content


def test_create_by_form_fields_like_audian(kazoo_login, base, pharmacy):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = kazoo_login.client.put(
        f"{base}/faxes",
        data=_encode_multipart(
            {
                "to_number": "+12025550120",
                "from_number": "+12025550140",
                "document": SimpleUploadedFile("document.pdf", text_pdf(1), "application/pdf"),
            }
        ),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content


def _encode_multipart(data):
    from django.test.client import encode_multipart

    return encode_multipart("BoUnDaRy", data)


def test_create_by_bare_pdf_body(kazoo_login, base, pharmacy):
    response = kazoo_login.client.put(
        f"{base}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        text_pdf(1),
        content_type="application/pdf",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201
    response = kazoo_login.client.put(
        f"{base}/faxes", text_pdf(1), content_type="application/pdf", **kazoo_login.headers()
    )
    assert response.status_code == 400  # no numbers


def test_create_validation_errors(kazoo_login, base):
    status, body = kazoo_login.json(
        "PUT", f"{base}/faxes", {"to_number": "123", "from_number": "+12025550140", "retries": 9}
    )
    assert status == 400 and body["message"] == "validation error"
    assert body["data"]["document.to_number"] == {
        "required": {"message": "add a valid number to send the fax to"}
    }
    assert body["data"]["document.url"]["required"]["message"] == (
        "add document url or upload a document"
    )
    assert body["data"]["retries"]["maximum"] == {
        "message": "Value must be at most 4",
        "target": 4,
        "value": 9,
    }
    status, body = kazoo_login.json("PUT", f"{base}/faxes", {})
    assert body["data"]["to_number"]["required"]["message"] == "Field is required but missing"
    assert "from_number" in body["data"]


def test_bad_json_and_unsupported_types(kazoo_login, base):
    response = kazoo_login.client.put(
        f"{base}/faxes", "{not json", content_type="application/json", **kazoo_login.headers()
    )
    body = response.json()
    assert response.status_code == 400 and body["data"]["json"]["invalid"]["target"] == "body"
    response = kazoo_login.client.put(
        f"{base}/faxes", "aGVsbG8=", content_type="application/base64", **kazoo_login.headers()
    )
    assert response.status_code == 415
    assert response.json()["error"] == "415"


def test_unreadable_upload_is_400_not_500(kazoo_login, base):
    response = kazoo_login.client.put(
        f"{base}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        b"%PDF-1.4 broken",
        content_type="application/pdf",
        **kazoo_login.headers(),
    )
    assert response.status_code == 400
    assert response.json()["message"] == "validation error"


def send(kazoo_login, base, to="+12025550120", path="faxes"):
    response = kazoo_login.client.put(
        f"{base}/{path}?to_number={to.replace('+', '%2B')}&from_number=%2B12025550140",
        text_pdf(1),
        content_type="application/pdf",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def test_outgoing_shows_unfinished_jobs_only(kazoo_login, base, acme, pharmacy):
    from datetime import timedelta

    from django.utils import timezone

    from faxes import services

    done = send(kazoo_login, base)
    waiting = services.submit_fax(
        account=acme.account,
        recipients=["+12025550120"],
        from_number="+12025550140",
        documents=[services.UploadedFile(text_pdf(), "a.pdf")],
        scheduled_at=timezone.now() + timedelta(days=1),
    ).faxes[0]
    status, body = kazoo_login.json("GET", f"{base}/faxes/outgoing")
    assert [row["id"] for row in body["data"]] == [waiting.pk]
    assert set(body["data"][0]) == {
        "id",
        "faxbox_id",
        "status",
        "to",
        "from",
        "attempts",
        "created",
    }
    assert body["data"][0]["status"] == "pending"
    status, body = kazoo_login.json("GET", f"{base}/faxes/outgoing/{waiting.pk}")
    assert status == 200 and body["data"]["status"] == "pending"
    assert kazoo_login.json("GET", f"{base}/faxes/outgoing/{done}")[0] == 404


def test_outbox_item_attachment_delete_and_resubmit(kazoo_login, base, pharmacy):
    fax_id = send(kazoo_login, base)
    status, body = kazoo_login.json("GET", f"{base}/faxes/outbox")
    row = body["data"][0]
    assert row["id"].endswith(fax_id) and len(row["id"]) == 39 and row["folder"] == "outbox"
    assert row["status"] == "completed" and row["to"] == "+12025550120"
    assert row["tx_result"]["success"] is True and row["tx_result"]["pages_sent"] == 1
    outbox_id = row["id"]
    status, body = kazoo_login.json("GET", f"{base}/faxes/outbox/{outbox_id}")
    assert status == 200 and body["data"]["_read_only"]["status"] == "completed"

    response = kazoo_login.client.get(
        f"{base}/faxes/outbox/{outbox_id}/attachment", HTTP_ACCEPT="*/*", **kazoo_login.headers()
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="fax_document_')
    assert response["Content-Disposition"].endswith('.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    tiff = kazoo_login.client.get(
        f"{base}/faxes/outbox/{outbox_id}/attachment?format=tiff", **kazoo_login.headers()
    )
    assert tiff["Content-Type"] == "image/tiff"
    accept = kazoo_login.client.get(
        f"{base}/faxes/outbox/{outbox_id}/attachment",
        HTTP_ACCEPT="image/tiff",
        **kazoo_login.headers(),
    )
    assert accept["Content-Type"] == "image/tiff"
    inline = kazoo_login.client.get(
        f"{base}/faxes/outbox/{outbox_id}/attachment?disposition=inline", **kazoo_login.headers()
    )
    assert inline["Content-Disposition"].startswith("inline")

    # Resubmit: action at the envelope's top level; data merged over the copy.
    status, body = kazoo_login.json(
        "PUT", f"{base}/faxes/outbox/{outbox_id}", envelope={"action": "resubmit", "data": {}}
    )
    assert status == 201 and body["data"]["id"] != fax_id
    status, body = kazoo_login.json(
        "PUT", f"{base}/faxes/outbox/{outbox_id}", envelope={"data": {}}
    )
    assert status == 400 and body["message"] == "action required"
    status, body = kazoo_login.json(
        "PUT", f"{base}/faxes/outbox/{outbox_id}", envelope={"action": "explode", "data": {}}
    )
    assert status == 400 and body["message"] == "invalid action"

    # Strip the document, keep the metadata.
    assert kazoo_login.json("DELETE", f"{base}/faxes/outbox/{outbox_id}/attachment")[0] == 200
    assert kazoo_login.call("GET", f"{base}/faxes/outbox/{outbox_id}/attachment").status_code == 404
    assert kazoo_login.json("GET", f"{base}/faxes/outbox/{outbox_id}")[0] == 200
    # Soft delete.
    status, body = kazoo_login.json("DELETE", f"{base}/faxes/outbox/{outbox_id}")
    assert status == 200 and body["data"]["_read_only"]["deleted"] is True
    assert kazoo_login.json("GET", f"{base}/faxes/outbox/{outbox_id}")[0] == 404
    assert Fax.objects.filter(pk=fax_id).exists()


def test_inbox_item_attachment_forward_delete(kazoo_login, base, acme, acme_faxbox, pharmacy):
    from faxes import services

    services.submit_fax(
        account=pharmacy.account,
        faxbox=pharmacy,
        recipients=["+12025550140"],
        documents=[services.UploadedFile(text_pdf(2), "a.pdf")],
    )
    status, body = kazoo_login.json("GET", f"{base}/faxes/inbox")
    assert status == 200 and len(body["data"]) == 1
    doc = body["data"][0]
    assert doc["folder"] == "inbox" and doc["source_type"] == "incoming_fax"
    assert doc["rx_result"]["success"] is True and doc["pages"] == 2
    assert doc["faxbox_id"] == acme_faxbox.pk and "status" not in doc
    inbox_id = doc["id"]
    assert kazoo_login.json("GET", f"{base}/faxes/incoming")[1]["data"][0]["id"] == inbox_id
    assert kazoo_login.json("GET", f"{base}/faxes/inbox/{inbox_id}")[0] == 200
    assert kazoo_login.json("GET", f"{base}/faxes/incoming/{inbox_id}")[0] == 200
    response = kazoo_login.call("GET", f"{base}/faxes/inbox/{inbox_id}/attachment")
    assert response.status_code == 200
    status, body = kazoo_login.json(
        "PUT",
        f"{base}/faxes/inbox/{inbox_id}",
        envelope={"action": "forward", "data": {"to_number": "+12025550120"}},
    )
    assert status == 201
    forwarded = Fax.objects.get(pk=body["data"]["id"])
    assert forwarded.status == "delivered" and forwarded.to_number == "+12025550120"
    assert kazoo_login.json("DELETE", f"{base}/faxes/inbox/{inbox_id}/attachment")[0] == 200
    status, body = kazoo_login.json("DELETE", f"{base}/faxes/inbox/{inbox_id}")
    assert body["data"]["_read_only"]["deleted"] is True
    assert kazoo_login.json("GET", f"{base}/faxes/inbox")[1]["data"] == []


def test_all_faxes_list_item_and_delete_like_audian(kazoo_login, base, pharmacy):
    fax_id = send(kazoo_login, base)
    status, body = kazoo_login.json("GET", f"{base}/faxes?paginate=false")
    assert status == 200 and "page_size" not in body
    row = body["data"][0]
    assert {k: row[k] for k in ("id", "direction", "status", "pages")} == {
        "id": fax_id,
        "direction": "outbound",
        "status": "sent",
        "pages": 1,
    }
    assert row["timestamp"].endswith("Z")
    assert kazoo_login.json("GET", f"{base}/faxes/{fax_id}")[1]["data"]["direction"] == "outbound"
    response = kazoo_login.client.get(
        f"{base}/faxes/{fax_id}/attachment", HTTP_ACCEPT="application/pdf", **kazoo_login.headers()
    )
    assert response.status_code == 200
    assert kazoo_login.json("DELETE", f"{base}/faxes/{fax_id}")[0] == 200
    assert kazoo_login.json("GET", f"{base}/faxes/{fax_id}")[0] == 404


def test_smtplog_routes(kazoo_login, base, acme):
    log = SmtpLog.objects.create(
        account=acme.account,
        from_address="a@x.test",
        to_address="12025550120@abcd1234.fax.localhost",
        errors=["no faxbox for this address"],
    )
    status, body = kazoo_login.json("GET", f"{base}/faxes/smtplog")
    assert body["data"][0]["error"] == "no faxbox for this address"
    assert set(body["data"][0]) == {"id", "from", "to", "error", "created"}
    status, body = kazoo_login.json("GET", f"{base}/faxes/smtplog/{body['data'][0]['id']}")
    assert status == 200 and body["data"]["errors"] == ["no faxbox for this address"]
    assert log.pk in body["data"]["id"]


def test_faxbox_scoped_routes_inherit_and_restrict(kazoo_login, base, acme, acme_faxbox, pharmacy):
    from tests.factories import FaxboxFactory

    acme_faxbox.fax_header = "ACME HDR"
    acme_faxbox.save()
    response = kazoo_login.client.put(
        f"{base}/faxboxes/{acme_faxbox.pk}/faxes?to_number=%2B12025550120",
        text_pdf(1),
        content_type="application/pdf",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content
    job = response.json()["data"]
    assert job["from_number"] == "+12025550140" and job["from_name"] == "Acme front desk"
    assert job["retries"] == 3 and job["faxbox_id"] == acme_faxbox.pk
    other_box = FaxboxFactory(account=acme.account)
    listed = kazoo_login.json("GET", f"{base}/faxboxes/{acme_faxbox.pk}/faxes/outbox")[1]["data"]
    assert len(listed) == 1
    assert kazoo_login.json("GET", f"{base}/faxboxes/{other_box.pk}/faxes/outbox")[1]["data"] == []
    assert kazoo_login.json("GET", f"{base}/faxboxes/{'0' * 32}/faxes/outbox")[0] == 404


def test_user_scoped_routes(acme, pharmacy, base):
    from tests.kazoo.conftest import PASSWORD_OF_TESTS, Kazoo, md5_credentials

    _status, body = Kazoo().json(
        "PUT",
        "/v2/user_auth",
        {
            "credentials": md5_credentials("alice@acme.test", PASSWORD_OF_TESTS),
            "account_name": "Acme Clinic",
        },
    )
    alice = Kazoo(body["auth_token"])
    send(alice, base)  # owned by alice (the logged-in user)
    users = f"{base}/users"
    assert len(alice.json("GET", f"{users}/{acme.admin.pk}/faxes/outbox")[1]["data"]) == 1
    assert alice.json("GET", f"{users}/{acme.viewer.pk}/faxes/outbox")[1]["data"] == []
    assert alice.json("GET", f"{users}/{'0' * 32}/faxes/outbox")[0] == 404


def test_other_accounts_fax_is_bad_identifier(kazoo_login, base, other, pharmacy):
    from faxes import services

    foreign = services.submit_fax(
        account=pharmacy.account,
        faxbox=pharmacy,
        recipients=["+12025550177"],
        documents=[services.UploadedFile(text_pdf(), "a.pdf")],
    ).faxes[0]
    for path in (
        f"faxes/outbox/{foreign.pk}",
        f"faxes/outbox/{foreign.pk}/attachment",
        f"faxes/{foreign.pk}",
        f"faxes/outgoing/{foreign.pk}",
    ):
        status, body = kazoo_login.json("GET", f"{base}/{path}")
        assert status == 404 and body["message"] == "bad_identifier", path
    assert kazoo_login.json("DELETE", f"{base}/faxes/outbox/{foreign.pk}")[0] == 404


def test_envelope_request_id_and_pretty_print(kazoo_login, base):
    response = kazoo_login.call("GET", f"{base}/faxes/inbox", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123" and response.json()["request_id"] == "abc123"
    generated = kazoo_login.call("GET", f"{base}/faxes/inbox")
    assert len(generated["X-Request-ID"]) == 32
    pretty = kazoo_login.call("GET", f"{base}/faxes/inbox?pretty_print=true")
    assert b"\n  " in pretty.content


def test_verbs_not_allowed_are_405(kazoo_login, base):
    status, body = kazoo_login.json("DELETE", f"{base}/faxes/outbox")
    assert status == 405 and body["error"] == "405"
    assert kazoo_login.json("PATCH", f"{base}/faxes/inbox", {})[0] == 405


def test_v1_is_gone():
    response = Client().get("/v1/accounts/x/faxes")
    assert response.status_code == 410


def test_tiff_download_is_a_fax_tiff(kazoo_login, base, pharmacy):
    import io

    fax_id = send(kazoo_login, base)
    fax = Fax.objects.get(pk=fax_id)
    response = kazoo_login.call(
        "GET", f"{base}/faxes/outbox/{fax.created_at:%Y%m}-{fax_id}/attachment?format=tiff"
    )
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.size[0] == 1728


def test_delete_removes_the_document_and_keeps_the_record(kazoo_login, base, pharmacy):
    fax_id = send(kazoo_login, base)
    fax = Fax.objects.get(pk=fax_id)
    path = fax.document.path
    assert kazoo_login.json("DELETE", f"{base}/faxes/outbox/{fax_id}")[0] == 200
    fax.refresh_from_db()
    assert fax.deleted_at and fax.attachment_purged_at
    import os

    assert not os.path.exists(path)


@pytest.mark.parametrize(
    ("kind", "payload", "filename"),
    [("application/pdf", text_pdf(1), "a.pdf"), ("image/png", None, "a.png")],
)
def test_attachment_right_after_upload_is_the_stored_upload(
    kazoo_login, base, pharmacy, monkeypatch, kind, payload, filename
):
    import io

    from faxes.services import outbound

    if payload is None:
        buffer = io.BytesIO()
        Image.new("L", (800, 1000), 255).save(buffer, "PNG")
        payload = buffer.getvalue()
    # No worker has picked the job up yet: it is still queued, nothing is rendered.
    monkeypatch.setattr(outbound, "enqueue", lambda fax_id: None)
    envelope = json.dumps({"data": {"from_number": "+12025550140", "to_number": "+12025550120"}})
    body, content_type = multipart_mixed(
        [("application/json", envelope.encode(), {}),
         (kind, payload, {"Content-Disposition": f'form-data; name="f"; filename="{filename}"'})]
    )  # fmt: skip
    response = kazoo_login.client.generic(
        "PUT", f"{base}/faxes", body, content_type=content_type, **kazoo_login.headers()
    )
    assert response.status_code == 201, response.content
    fax = Fax.objects.get(pk=response.json()["data"]["id"])
    assert fax.status == "queued" and not fax.document
    for path in (f"faxes/{fax.pk}/attachment", f"faxes/outgoing/{fax.pk}/attachment"):
        download = kazoo_login.client.get(f"{base}/{path}", **kazoo_login.headers())
        assert download.status_code == 200, (path, download.content[:300])
        assert download["Content-Type"] == kind
        assert b"".join(download.streaming_content) == payload
    # Once converted, the rendered PDF is served.
    outbound.process_fax(fax.pk)
    download = kazoo_login.client.get(f"{base}/faxes/{fax.pk}/attachment", **kazoo_login.headers())
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_outgoing_attachment_of_another_account_is_bad_identifier(
    kazoo_login, base, other, monkeypatch
):
    from faxes.services import outbound
    from faxes.services.submit import UploadedFile, submit_fax

    monkeypatch.setattr(outbound, "enqueue", lambda fax_id: None)
    fax = submit_fax(account=other.account, recipients=["+12025550120"],
                     documents=[UploadedFile(text_pdf(1), "a.pdf")],
                     from_number="+12025550199").faxes[0]  # fmt: skip
    for path in (f"faxes/{fax.pk}/attachment", f"faxes/outgoing/{fax.pk}/attachment"):
        status, body = kazoo_login.json("GET", f"{base}/{path}")
        assert status == 404 and body["message"] == "bad_identifier"
