"""The send form takes Office and text documents: previewed, then sent, converted once."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from faxes.models import DocumentPart, Fax, FaxStatus
from tests.documents import office_files
from tests.factories import UserFactory
from tests.ui.conftest import login
from tests.ui.test_send import form, preview_images


@pytest.mark.django_db(transaction=True)
def test_a_word_document_is_previewed_then_sent_and_converted_once(
    eager_celery, monkeypatch, clinic, pharmacy
):
    runs = office_files.count_conversions(monkeypatch)
    client = login(UserFactory(account=clinic.account, role=Role.STAFF))
    docx = office_files.docx("Dear Dr. Smith,", "the results are attached.")

    def data():
        # Named like a PDF: what it is comes from its bytes.
        upload = SimpleUploadedFile("results.pdf", docx, content_type="application/pdf")
        return form(clinic, to="+12025550120", documents=[upload])

    preview = client.post(reverse("send-preview"), data())
    assert preview.status_code == 200
    assert len(preview_images(preview.content.decode())) == 1
    assert client.post(reverse("send"), data()).status_code == 302
    fax = Fax.objects.get(direction="outbound")
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    assert fax.pages == 1
    part = DocumentPart.objects.get()
    assert part.content_type.endswith("wordprocessingml.document") and part.size == len(docx)
    # Preview, submit and the worker's conversion: LibreOffice ran once.
    assert runs == ["docx"]


@pytest.mark.django_db
def test_a_password_protected_document_is_refused_beside_the_field(acme, staff, acme_box):
    upload = SimpleUploadedFile("secret.docx", office_files.encrypted_ooxml())
    response = login(staff).post(reverse("send"), form(acme_box, documents=[upload]))
    assert response.status_code == 400
    assert "“secret.docx” is protected by a password" in response.content.decode()
    assert not Fax.objects.exists()


@pytest.mark.django_db
def test_without_libreoffice_the_form_says_what_to_install(settings, acme, staff, acme_box):
    settings.FAXPORTAL_SOFFICE = "/nonexistent/soffice"
    upload = SimpleUploadedFile("notes.txt", b"Call the lab at 10.\n")
    response = login(staff).post(reverse("send-preview"), form(acme_box, documents=[upload]))
    assert 400 <= response.status_code < 500
    html = response.content.decode()
    assert "LibreOffice is not installed" in html and "libreoffice-writer-nogui" in html
