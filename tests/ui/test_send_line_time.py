"""The send form shows, beside the documents, that a page would hold a fax line too long."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faxes.models import Fax
from faxes.templatetags.portal import line_time
from tests.documents.factories import phone_photo_jpeg
from tests.factories import noise_fax_tiff, text_pdf
from tests.ui.conftest import login

pytestmark = pytest.mark.django_db


def test_a_page_too_long_to_send_is_a_form_error_naming_it(acme, staff, acme_box):
    scan = SimpleUploadedFile("scan.tif", noise_fax_tiff(), content_type="image/tiff")
    data = {"faxbox": acme_box.pk, "to": "+12025550120", "resolution": "fine", "when": "now",
            "documents": [scan]}  # fmt: skip
    response = login(staff).post(reverse("send"), data)
    assert response.status_code == 400
    html = response.content.decode()
    slot = re.search(r'id="id_documents_error">(.*?)</div>', html, re.S).group(1)
    assert "Page 1 (page 1 of “scan.tif”) would take about 9 minutes" in slot
    assert not Fax.objects.exists()


def _preview(staff, acme_box, name: str, data: bytes, content_type: str):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    form = {"faxbox": acme_box.pk, "to": "+12025550120", "resolution": "fine", "when": "now",
            "documents": [upload]}  # fmt: skip
    return login(staff).post(reverse("send-preview"), form)


def _shown_seconds(response) -> float:
    html = response.content.decode()
    return float(re.search(r'id="preview-line-time" data-seconds="([\d.]+)"', html).group(1))


def test_the_preview_shows_the_line_time_of_every_page(settings, acme, staff, acme_box):
    typed = _preview(staff, acme_box, "letter.pdf", text_pdf(1), "application/pdf")
    assert typed.status_code == 200
    assert "on the line at 14,400 bit/s" in typed.content.decode()
    assert 15 < _shown_seconds(typed) < 40
    photo = _preview(staff, acme_box, "photo.jpg", phone_photo_jpeg(), "image/jpeg")
    assert 120 < _shown_seconds(photo) < 240
    assert re.search(r"about \d min( \d+ s)? on the line", photo.content.decode())
    # Pages beyond those shown still count.
    settings.FAXPORTAL_UI_PREVIEW_PAGES = 1
    three = _preview(staff, acme_box, "letter.pdf", text_pdf(3), "application/pdf")
    assert _shown_seconds(three) > _shown_seconds(typed) + 6


def test_the_preview_refuses_a_page_too_long_to_send(acme, staff, acme_box):
    response = _preview(staff, acme_box, "scan.tif", noise_fax_tiff(), "image/tiff")
    assert response.status_code == 422
    assert "Page 1 (page 1 of “scan.tif”) would take about 9 minutes" in response.content.decode()


def test_line_time_reads_as_people_say_it():
    assert line_time(34.6) == "35 s"
    assert line_time(120) == "2 min"
    assert line_time(214.5) == "3 min 34 s"
    assert line_time(None) == ""


def test_the_fax_page_shows_the_estimate(acme, staff, acme_box):
    upload = SimpleUploadedFile("letter.pdf", text_pdf(1), content_type="application/pdf")
    form = {"faxbox": acme_box.pk, "to": "+12025550120", "resolution": "fine", "when": "now",
            "documents": [upload]}  # fmt: skip
    client = login(staff)
    assert client.post(reverse("send"), form).status_code == 302
    fax = Fax.objects.get()
    html = client.get(reverse("fax-detail", args=[fax.pk])).content.decode()
    shown = re.search(r'id="estimated-line-time">(.*?)</dd>', html).group(1)
    assert shown == f"about {line_time(fax.estimated_line_seconds)} at 14,400 bit/s"
