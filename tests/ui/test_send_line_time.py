"""The send form shows, beside the documents, that a page would hold a fax line too long."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faxes.models import Fax
from tests.factories import noise_fax_tiff
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
