"""POST /api/v1/faxes/send: the reference's JSON and multipart forms, and every extension."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faxes.models import AuditEvent, DocumentPart, Fax, FaxStatus
from tests.api_v1.reference import SEND, assert_shape
from tests.conftest import token_client
from tests.factories import FaxboxFactory, text_pdf

pytestmark = pytest.mark.django_db
URL = "/api/v1/faxes/send"
PDF2 = text_pdf(2)


def send_json(client, body, **headers):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_json_with_media_url_answers_as_the_reference(clinic):
    client = token_client(clinic.account, "fax:send")
    body = {"to": "+14155551234", "media_url": "https://docs.example.com/document.pdf"}
    response = send_json(client, body)
    assert response.status_code == 200
    assert_shape(response.json(), SEND)
    fax = Fax.objects.get()
    assert response.json()["fax"] == {
        "sid": fax.pk,
        "to": "+14155551234",
        "media_url": "https://docs.example.com/document.pdf",
        "status": "queued",
        "id": fax.pk,
        "status_detail": "queued",
        "pages": None,
        "estimated_line_seconds": None,  # a fetched document: known once rendered
        "from": "+12025550110",
        "scheduled_at": None,
    }
    assert response.json()["faxes"] == [response.json()["fax"]]
    assert fax.faxbox == clinic and fax.direction == "outbound"
    assert DocumentPart.objects.get().url == "https://docs.example.com/document.pdf"
    assert AuditEvent.objects.filter(fax=fax, action="fax.submitted").exists()


def test_multipart_file_upload(clinic):
    client = token_client(clinic.account, "fax:send")
    upload = SimpleUploadedFile("invoice.pdf", PDF2, content_type="application/pdf")
    response = client.post(URL, {"to": "+14155551234", "file": upload}, format="multipart")
    assert response.status_code == 200
    fax_data = response.json()["fax"]
    assert fax_data["pages"] == "2" and fax_data["status"] == "queued"
    assert (
        fax_data["media_url"] == f"http://testserver/api/v1/faxes/sent/{fax_data['sid']}/download"
    )
    sent = client.get("/api/v1/faxes/sent").json()["data"]["faxes"][0]
    assert sent["original_filename"] == "invoice.pdf"


def test_several_files_are_combined_in_order(clinic):
    client = token_client(clinic.account, "fax:send")
    files = [
        SimpleUploadedFile(f"{n}.pdf", text_pdf(n), content_type="application/pdf") for n in (1, 2)
    ]
    response = client.post(URL, {"to": "+14155551234", "file": files}, format="multipart")
    assert response.status_code == 200 and response.json()["fax"]["pages"] == "3"
    assert [p.filename for p in DocumentPart.objects.order_by("position")] == ["1.pdf", "2.pdf"]


def test_numbers_make_one_fax_each(clinic):
    numbers = ["+14155551234", "+14155551235", "+14155551236"]
    response = send_json(
        token_client(clinic.account, "fax:send"),
        {"numbers": numbers, "data": base64.b64encode(PDF2).decode()},
    )
    assert response.status_code == 200
    faxes = response.json()["faxes"]
    assert [f["to"] for f in faxes] == numbers
    assert all(f["pages"] == "2" for f in faxes)
    assert response.json()["fax"] == faxes[0]
    assert Fax.objects.count() == 3 and DocumentPart.objects.count() == 1


def test_faxrocks_number_and_data_url_prefix(clinic):
    data = "data:application/pdf;base64," + base64.encodebytes(PDF2).decode()  # with newlines
    response = send_json(
        token_client(clinic.account, "fax:send"), {"number": "+14155551234", "data": data}
    )
    assert response.status_code == 200 and response.json()["fax"]["pages"] == "2"


def test_more_than_ten_numbers_is_400(clinic):
    numbers = [f"+1415555{n:04d}" for n in range(11)]
    response = send_json(
        token_client(clinic.account, "fax:send"),
        {"numbers": numbers, "media_url": "https://docs.example.com/a.pdf"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "to: At most 10 recipients per request."
    assert not Fax.objects.exists()


def test_from_and_faxbox_choose_the_sender(clinic, other):
    second = FaxboxFactory(account=clinic.account, name="Billing", caller_id="+12025550177")
    client = token_client(clinic.account, "fax:send")
    body = {"to": "+14155551234", "media_url": "https://docs.example.com/a.pdf"}
    assert send_json(client, {**body, "from": "+12025550177"}).status_code == 200
    fax = Fax.objects.get()
    assert fax.faxbox == second and fax.from_number == "+12025550177"
    response = send_json(client, {**body, "faxbox_id": second.pk, "from": "+12025550110"})
    assert response.status_code == 200 and response.json()["fax"]["from"] == "+12025550110"
    refused = send_json(client, {**body, "from": "+12025550999"})
    assert refused.status_code == 400 and refused.json()["message"].startswith("from:")
    foreign = Fax.objects.none()
    foreign_box = FaxboxFactory(account=other.account)
    refused = send_json(client, {**body, "faxbox_id": foreign_box.pk})
    assert refused.status_code == 400 and not foreign.exists()


def test_cover_resolution_retries(clinic):
    client = token_client(clinic.account, "fax:send")
    response = send_json(
        client,
        {
            "to": "+14155551234",
            "data": base64.b64encode(PDF2).decode(),
            "cover": {"subject": "Lab results", "message": "Two pages\nfollow."},
            "resolution": "standard",
            "retries": 2,
            "to_name": "Dr. Who",
        },
    )
    assert response.status_code == 200 and response.json()["fax"]["pages"] == "3"
    fax = Fax.objects.get()
    assert fax.cover == {"subject": "Lab results", "message": "Two pages\nfollow."}
    assert fax.resolution == "standard" and fax.max_attempts == 2 and fax.to_name == "Dr. Who"
    flat = client.post(
        URL,
        {
            "to": "+14155551234",
            "media_url": "https://docs.example.com/a",
            "cover_subject": "Hello",
            "retries": "1",
        },
    )
    assert flat.status_code == 200
    assert Fax.objects.get(pk=flat.json()["fax"]["sid"]).cover == {
        "subject": "Hello",
        "message": "",
    }


def test_scheduled_at_with_timezone(clinic):
    client = token_client(clinic.account, "fax:send")
    response = send_json(
        client,
        {
            "to": "+14155551234",
            "media_url": "https://docs.example.com/a.pdf",
            "scheduled_at": "2099-03-01T09:00:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 200
    data = response.json()["fax"]
    assert data["status"] == "scheduled" and data["scheduled_at"] == "2099-03-01T08:00:00.000Z"
    fax = Fax.objects.get()
    assert fax.status == FaxStatus.SCHEDULED
    assert fax.scheduled_at == datetime(2099, 3, 1, 8, 0, tzinfo=UTC)
    # Without timezone, a naive time is the faxbox's (America/New_York).
    send_json(
        client,
        {
            "to": "+14155551234",
            "media_url": "https://docs.example.com/a.pdf",
            "scheduled_at": "2099-03-01T09:00:00",
        },
    )
    latest = Fax.objects.order_by("-created_at").first()
    assert latest.scheduled_at == datetime(2099, 3, 1, 14, 0, tzinfo=UTC)


def test_idempotency_key_replays(clinic):
    client = token_client(clinic.account, "fax:send")
    body = {"numbers": ["+14155551234", "+14155551235"], "media_url": "https://docs.example.com/a"}
    first = send_json(client, body, HTTP_IDEMPOTENCY_KEY="order-17")
    again = send_json(client, body, HTTP_IDEMPOTENCY_KEY="order-17")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Fax.objects.count() == 2
    assert send_json(client, body, HTTP_IDEMPOTENCY_KEY="x" * 300).status_code == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"media_url": "https://docs.example.com/a.pdf"}, "to: At least one recipient"),
        ({"to": "12", "media_url": "https://docs.example.com/a.pdf"}, "to: "),
        ({"to": "+14155551234"}, "documents: Attach a document"),
        ({"to": "+14155551234", "data": "not base64!"}, "data[0] is not valid base64"),
        ({"to": "+14155551234", "data": "TVqQAA=="}, "documents: "),  # an executable header
        ({"to": "+14155551234", "media_url": "ftp://x/y.pdf"}, "documents: "),
        ({"to": ["+14155551234", 7], "media_url": "https://x.example/a"}, "to must be"),
        ({"to": "+14155551234", "media_url": "https://x.example/a", "retries": 9}, "retries:"),
        ({"to": "+14155551234", "media_url": "https://x.example/a", "retries": "a"}, "retries"),
        (
            {"to": "+14155551234", "media_url": "https://x.example/a", "resolution": "ultra"},
            "resolution:",
        ),
        (
            {"to": "+14155551234", "media_url": "https://x.example/a", "scheduled_at": "soon"},
            "scheduled_at must be",
        ),
        (
            {
                "to": "+14155551234",
                "media_url": "https://x.example/a",
                "scheduled_at": "2099-03-08T02:30:00",
                "timezone": "America/New_York",
            },
            "scheduled_at: ",
        ),
        (
            {
                "to": "+14155551234",
                "media_url": "https://x.example/a",
                "scheduled_at": "2099-03-08T09:00:00",
                "timezone": "Mars/Olympus",
            },
            "timezone: ",
        ),
        ({"to": "+14155551234", "media_url": "https://x.example/a\x00"}, "media_url"),
        ({"to": "+14155551234", "media_url": "https://x.example/a", "cover": "yes"}, "cover"),
    ],
)
def test_bad_send_requests_are_400_and_store_nothing(clinic, body, message):
    response = send_json(token_client(clinic.account, "fax:send"), body)
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "bad_request"
    assert message in response.json()["message"], response.json()
    assert not Fax.objects.exists()


def test_malformed_json_and_wrong_body_type(clinic):
    client = token_client(clinic.account, "fax:send")
    response = client.post(URL, "{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    response = client.post(URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_oversized_request_is_413(clinic, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"to": "+14155551234", "data": "A" * 2000}
    response = send_json(token_client(clinic.account, "fax:send"), body)
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"


def test_send_needs_the_send_scope(clinic):
    response = send_json(
        token_client(clinic.account, "fax:read,fax:all:read"),
        {"to": "+14155551234", "media_url": "https://x.example/a"},
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "This token lacks the required scope: fax:send.",
    }
