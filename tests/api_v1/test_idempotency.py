"""Idempotency-Key: the same key and request replays; the same key with another request is 422."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faxes.models import Fax
from tests.conftest import token_client
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db
URL = "/api/v1/faxes/send"
BODY = {"to": "+14155551234", "media_url": "https://docs.example.com/a.pdf"}


def send(client, body, key):
    return client.post(
        URL, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.mark.parametrize(
    "changed",
    [
        {"to": "+14155551299"},
        {"media_url": "https://docs.example.com/b.pdf"},
        {"cover_subject": "Urgent"},
        {"resolution": "standard"},
        {"scheduled_at": "2099-03-01T09:00:00"},
    ],
)
def test_same_key_with_another_body_is_422_and_sends_nothing(clinic, changed):
    client = token_client(clinic.account, "fax:send")
    first = send(client, BODY, "order-17")
    assert first.status_code == 200
    response = send(client, {**BODY, **changed}, "order-17")
    assert response.status_code == 422, response.content
    assert response.json() == {
        "error": "unprocessable_entity",
        "message": "This Idempotency-Key was already used with a different request; "
        "use a new key for a new request.",
    }
    assert "Idempotent-Replayed" not in response
    assert list(Fax.objects.values_list("to_number", flat=True)) == ["+14155551234"]


def test_same_key_and_body_still_replays_even_written_differently(clinic):
    client = token_client(clinic.account, "fax:send")
    first = send(client, BODY, "order-18")
    # The same number in another spelling is the same request.
    again = send(client, {**BODY, "to": "+1 (415) 555-1234"}, "order-18")
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Fax.objects.count() == 1


def test_uploads_are_compared_by_content(clinic):
    client = token_client(clinic.account, "fax:send")
    # The same bytes each time (a PDF made twice differs in its timestamps).
    documents = {1: text_pdf(1), 2: text_pdf(2)}

    def upload(pages: int):
        document = SimpleUploadedFile("a.pdf", documents[pages], content_type="application/pdf")
        return client.post(
            URL, {"to": "+14155551234", "file": document}, HTTP_IDEMPOTENCY_KEY="upload-1"
        )

    assert upload(1).status_code == 200
    replay = upload(1)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert upload(2).status_code == 422
    assert Fax.objects.count() == 1


def test_keys_are_per_account(clinic, pharmacy):
    assert send(token_client(clinic.account, "fax:send"), BODY, "shared").status_code == 200
    other = send(
        token_client(pharmacy.account, "fax:send"), {**BODY, "to": "+14155550000"}, "shared"
    )
    assert other.status_code == 200 and "Idempotent-Replayed" not in other
