"""POST /api/v1/faxes/send refuses a page that would hold a fax line too long, naming it,
in the native error shape; a photo of a page is accepted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faxes.models import Fax
from tests.conftest import token_client
from tests.documents.factories import phone_photo_jpeg
from tests.factories import noise_fax_tiff

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
