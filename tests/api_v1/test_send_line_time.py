"""POST /api/v1/faxes/send refuses a page that would hold a fax line too long, naming it,
in the native error shape; a photo of a page is accepted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faxes.models import Fax
from faxes.services.outbound import convert
from tests.conftest import token_client
from tests.documents.factories import phone_photo_jpeg
from tests.factories import noise_fax_tiff, text_pdf

pytestmark = pytest.mark.django_db
URL = "/api/v1/faxes/send"


def test_a_page_too_long_to_send_is_400_naming_the_page(clinic):
    upload = SimpleUploadedFile("scan.tif", noise_fax_tiff(), content_type="image/tiff")
    response = token_client(clinic.account, "fax:send").post(
        URL, {"to": "+14155551234", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request"
    assert "Page 1 (page 1 of “scan.tif”) would take about 9 minutes" in body["message"]
    assert not Fax.objects.exists()


def test_a_photo_of_a_page_is_accepted(clinic):
    upload = SimpleUploadedFile("photo.jpg", phone_photo_jpeg(), content_type="image/jpeg")
    response = token_client(clinic.account, "fax:send").post(
        URL, {"to": "+14155551234", "file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["fax"]["pages"] == "1"


def _send(clinic, name: str, data: bytes, content_type: str, **fields):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    response = token_client(clinic.account, "fax:send").post(
        URL, {"to": "+14155551234", "file": upload, **fields}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_send_answer_estimates_the_line_time_of_what_was_sent(clinic):
    typed = _send(clinic, "letter.pdf", text_pdf(1), "application/pdf")["fax"]
    photo = _send(clinic, "photo.jpg", phone_photo_jpeg(), "image/jpeg")["fax"]
    # A typed page is a call of well under a minute, a full-page photo a few minutes.
    assert 15 < typed["estimated_line_seconds"] < 40
    assert 120 < photo["estimated_line_seconds"] < 240
    assert Fax.objects.get(pk=photo["id"]).estimated_line_seconds == photo["estimated_line_seconds"]


def test_the_estimate_counts_the_cover_page(clinic):
    bare = _send(clinic, "letter.pdf", text_pdf(1), "application/pdf")["fax"]
    covered = _send(
        clinic, "letter.pdf", text_pdf(1), "application/pdf",
        cover_subject="Results", cover_message="Please call us about these results.",
    )["fax"]  # fmt: skip
    assert covered["pages"] == "2"
    assert covered["estimated_line_seconds"] > bare["estimated_line_seconds"] + 3


def test_the_rendered_fax_replaces_the_estimate_with_its_own_pages(clinic):
    sent = _send(clinic, "letter.pdf", text_pdf(2), "application/pdf")["fax"]
    fax = Fax.objects.get(pk=sent["id"])
    convert(fax)
    fax.refresh_from_db()
    assert fax.estimated_line_seconds is not None
    # The header line adds a little ink; the estimate stays close to the one given at submit.
    assert abs(fax.estimated_line_seconds - sent["estimated_line_seconds"]) < 5
    detail = token_client(clinic.account, "fax:read").get(f"/api/v1/faxes/sent/{fax.pk}")
    assert detail.json()["data"]["estimated_line_seconds"] == fax.estimated_line_seconds
