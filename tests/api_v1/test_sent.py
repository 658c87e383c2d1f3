"""GET /api/v1/faxes/sent (the reference), /faxes/sent/{id}, receipt, download, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from faxes.models import Attempt, DocumentPart, FaxDocument, FaxStatus
from tests.api_v1.conftest import PDF, inbound_fax, outbound_fax
from tests.api_v1.reference import SENT_LIST, assert_shape
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


def with_source(fax, *, url: str = "", filename: str = "invoice.pdf"):
    document = FaxDocument.objects.create(account=fax.account)
    DocumentPart.objects.create(
        document=document, account=fax.account, position=0, url=url, filename=filename
    )
    fax.source = document
    fax.save(update_fields=["source"])
    return fax


def test_sent_list_has_the_reference_shape(acme):
    fax = with_source(outbound_fax(acme.account, pages=2))
    response = token_client(acme.account, "fax:read").get("/api/v1/faxes/sent?page=1&limit=10")
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, SENT_LIST)
    item = body["data"]["faxes"][0]
    assert item["sid"] == fax.pk and item["pages"] == "2" and item["status"] == "delivered"
    assert item["original_filename"] == "invoice.pdf"
    assert item["media_url"] == f"http://testserver/api/v1/faxes/sent/{fax.pk}/download"
    assert item["error_code"] is None and item["error_message"] is None


def test_sent_media_url_is_the_given_url(acme):
    with_source(outbound_fax(acme.account), url="https://docs.example.com/a.pdf", filename="")
    item = token_client(acme.account).get("/api/v1/faxes/sent").json()["data"]["faxes"][0]
    assert item["media_url"] == "https://docs.example.com/a.pdf"
    assert item["original_filename"] is None


def test_failed_fax_shows_t30_error(acme):
    outbound_fax(
        acme.account,
        status=FaxStatus.FAILED,
        error_code=5111,
        error_message="far end cannot receive at the resolution of the image",
    )
    item = token_client(acme.account).get("/api/v1/faxes/sent").json()["data"]["faxes"][0]
    assert item["status"] == "failed" and item["error_code"] == 5111
    assert item["error_message"].startswith("far end cannot receive")


def test_failed_fax_detail_explains_the_failure_from_the_one_table(acme):
    fax = outbound_fax(
        acme.account,
        status=FaxStatus.FAILED,
        error_code=17,
        error_message="user busy",
        failure_code="busy",
    )
    failure = (
        token_client(acme.account).get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]["failure"]
    )
    assert failure["code"] == "busy" and failure["category"] == "call"
    assert failure["retryable"] is True
    assert failure["summary"] and failure["explanation"] and failure["advice"]


def test_a_delivered_fax_has_no_failure(acme):
    fax = outbound_fax(acme.account)
    detail = token_client(acme.account).get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert detail["failure"] is None


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (FaxStatus.SCHEDULED, "scheduled"),
        (FaxStatus.QUEUED, "queued"),
        (FaxStatus.CONVERTING, "queued"),
        (FaxStatus.RETRYING, "queued"),
        (FaxStatus.SENDING, "sending"),
        (FaxStatus.DELIVERED, "delivered"),
        (FaxStatus.FAILED, "failed"),
        (FaxStatus.CANCELLED, "cancelled"),
    ],
)
def test_status_vocabulary(acme, status, shown):
    outbound_fax(acme.account, status=status)
    item = token_client(acme.account).get("/api/v1/faxes/sent").json()["data"]["faxes"][0]
    assert item["status"] == shown and item["status_detail"] == status


def test_sent_filters(acme, other):
    old = outbound_fax(acme.account, to_number="+14155551234", minutes_ago=3 * 24 * 60)
    retrying = outbound_fax(acme.account, to_number="+13125550000", status=FaxStatus.RETRYING)
    outbound_fax(other.account, to_number="+14155551234")
    inbound_fax(acme.account, to_number="+14155551234")
    client = token_client(acme.account)

    def ids(query):
        return [f["sid"] for f in client.get(f"/api/v1/faxes/sent?{query}").json()["data"]["faxes"]]

    assert ids("to=4155551") == [old.pk]
    assert ids("status=queued") == [retrying.pk]
    assert ids("status=retrying") == [retrying.pk]
    assert ids("status=delivered") == [old.pk]
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert ids(f"date_from={yesterday}") == [retrying.pk]
    assert ids(f"date_to={yesterday}") == [old.pk]
    assert client.get("/api/v1/faxes/sent?status=nope").status_code == 400


def test_sent_detail_has_attempts_and_t30_result(acme):
    fax = outbound_fax(
        acme.account,
        status=FaxStatus.FAILED,
        error_code=5148,
        error_message="disconnected after permitted retries",
        attempt_count=2,
    )
    now = timezone.now()
    for number, code in ((1, 5102), (2, 5148)):
        Attempt.objects.create(
            fax=fax,
            account=acme.account,
            number=number,
            transport="loopback",
            started_at=now,
            ended_at=now,
            success=False,
            result_code=code,
            result_text="failure",
            pages_sent=0,
            speed=14400,
            ecm=True,
            receiver_id="REMOTE",
        )
    data = token_client(acme.account).get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert [a["result_code"] for a in data["attempts"]] == [5102, 5148]
    assert data["attempts"][0]["remote_station_id"] == "REMOTE"
    assert data["t30_result"] == {"code": 5148, "text": "failure"}
    assert data["receipt_url"] == f"http://testserver/api/v1/faxes/sent/{fax.pk}/receipt"


def test_receipt_pdf(acme):
    fax = outbound_fax(acme.account, status=FaxStatus.DELIVERED, completed_at=timezone.now())
    response = token_client(acme.account).get(f"/api/v1/faxes/sent/{fax.pk}/receipt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pending = outbound_fax(acme.account, status=FaxStatus.QUEUED)
    response = token_client(acme.account).get(f"/api/v1/faxes/sent/{pending.pk}/receipt")
    assert response.status_code == 409 and response.json()["error"] == "conflict"


def test_sent_download(acme):
    fax = outbound_fax(acme.account)
    client = token_client(acme.account)
    assert client.get(f"/api/v1/faxes/sent/{fax.pk}/download").status_code == 404
    fax.document.save("fax.pdf", ContentFile(PDF))
    response = client.get(f"/api/v1/faxes/sent/{fax.pk}/download")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("path", ["/api/v1/faxes/{id}", "/api/v1/faxes/sent/{id}"])
def test_cancel_a_scheduled_fax(acme, path):
    fax = outbound_fax(
        acme.account, status=FaxStatus.SCHEDULED, scheduled_at=timezone.now() + timedelta(days=1)
    )
    response = token_client(acme.account, "fax:send").delete(path.format(id=fax.pk))
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["fax"]["status"] == "cancelled"
    fax.refresh_from_db()
    assert fax.status == FaxStatus.CANCELLED


def test_cancel_refusals(acme, other):
    client = token_client(acme.account, "fax:read,fax:send")
    sending = outbound_fax(acme.account, status=FaxStatus.SENDING)
    response = client.delete(f"/api/v1/faxes/{sending.pk}")
    assert response.status_code == 409 and "sending" in response.json()["message"]
    received = inbound_fax(acme.account)
    assert client.delete(f"/api/v1/faxes/{received.pk}").status_code == 409
    foreign = outbound_fax(other.account, status=FaxStatus.QUEUED)
    assert client.delete(f"/api/v1/faxes/{foreign.pk}").status_code == 404
    reader = token_client(acme.account, "fax:read")
    queued = outbound_fax(acme.account, status=FaxStatus.QUEUED)
    assert reader.delete(f"/api/v1/faxes/{queued.pk}").status_code == 403


def test_send_only_token_may_follow_its_faxes(acme):
    fax = outbound_fax(acme.account)
    client = token_client(acme.account, "fax:send")
    assert client.get("/api/v1/faxes/sent").status_code == 200
    assert client.get(f"/api/v1/faxes/sent/{fax.pk}").status_code == 200
    assert client.get("/api/v1/faxes").status_code == 403
