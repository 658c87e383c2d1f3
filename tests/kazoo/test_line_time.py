"""PUT /v2/accounts/{id}/faxes refuses a page that would hold a fax line too long with
Kazoo's validation error, naming the page."""

from __future__ import annotations

import pytest

from faxes.models import Fax
from tests.factories import noise_fax_tiff, text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_page_too_long_to_send_is_a_kazoo_validation_error(kazoo_login, acme):
    response = kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        noise_fax_tiff(),
        content_type="image/tiff",
        **kazoo_login.headers(),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == "error" and body["message"] == "validation error"
    message = body["data"]["document"]["invalid"]["message"]
    assert message.startswith("Page 1 (page 1 of “document”) would take about 9 minutes")
    assert not Fax.objects.exists()


def test_the_fax_document_shows_the_estimated_line_time_and_paper(kazoo_login, acme):
    response = kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        text_pdf(1),
        content_type="application/pdf",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content
    doc = response.json()["data"]
    fax = Fax.objects.get(pk=doc["id"])
    assert doc["estimated_line_seconds"] == fax.estimated_line_seconds
    assert 12 < doc["estimated_line_seconds"] < 40
    assert doc["paper_size"] == fax.paper_size


def test_a_kazoo_fax_may_ask_for_its_paper(kazoo_login, acme):
    base = f"/v2/accounts/{acme.account.pk}/faxes"
    status, body = kazoo_login.json(
        "PUT", base, {"to_number": "+12025550120", "from_number": "+12025550140",
                      "document": {"url": "https://docs.example.com/a.pdf"}, "paper_size": "a4"},
    )  # fmt: skip
    assert status == 201, body
    assert Fax.objects.get(pk=body["data"]["id"]).paper_size == "a4"
    assert "paper_size" not in (Fax.objects.get(pk=body["data"]["id"]).extra or {})
    status, body = kazoo_login.json(
        "PUT", base, {"to_number": "+12025550120", "from_number": "+12025550140",
                      "document": {"url": "https://docs.example.com/a.pdf"}, "paper_size": "A3"},
    )  # fmt: skip
    assert status == 400 and body["message"] == "validation error"
    assert "paper_size" in body["data"]
