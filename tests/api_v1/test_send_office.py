"""POST /api/v1/faxes/send takes Office and text documents as multipart uploads; a hostile
one is a 400 with its own message, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from faxes.models import Fax
from faxes.services.outbound import convert
from tests.conftest import token_client
from tests.documents import office_files

pytestmark = pytest.mark.django_db
URL = "/api/v1/faxes/send"


def send(clinic, name: str, data: bytes):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return token_client(clinic.account, "fax:send").post(
        URL, {"to": "+14155551234", "file": upload}, format="multipart"
    )


@pytest.mark.parametrize(
    ("name", "data", "pages"),
    [
        ("slides.odp", office_files.odp("One", "Two"), "2"),
        ("doses.xlsx", office_files.xlsx([["Drug", "Dose"], ["Aspirin", 100]]), "1"),
        ("doses.csv", b"drug;dose\naspirin;100\nibuprofen;200\n", "1"),
    ],
)
def test_office_and_text_documents_are_sent(clinic, name, data, pages):
    response = send(clinic, name, data)
    assert response.status_code == 200, response.json()
    assert response.json()["fax"]["pages"] == pages
    assert Fax.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (office_files.encrypted_ooxml(), "is protected by a password"),
        (office_files.docx("x")[:300], "could not be read"),
        (office_files.outlook_message(), "Outlook e-mail message"),
    ],
    ids=["encrypted", "broken-zip", "outlook-message"],
)
def test_hostile_or_broken_files_are_400(clinic, data, text):
    response = send(clinic, "letter.docx", data)
    assert response.status_code == 400
    assert text in response.json()["message"]
    assert not Fax.objects.exists()


def test_without_libreoffice_the_answer_names_the_packages(settings, clinic):
    settings.FAXPORTAL_SOFFICE = "/nonexistent/soffice"
    response = send(clinic, "letter.docx", office_files.docx("Hello"))
    assert response.status_code == 400
    assert "libreoffice-calc-nogui" in response.json()["message"]


def test_a_text_file_is_laid_out_on_the_requested_paper(clinic):

    upload = SimpleUploadedFile(
        "note.txt", b"Please call the pharmacy.\n", content_type="text/plain"
    )
    response = token_client(clinic.account, "fax:send").post(
        URL, {"to": "+14155551234", "file": upload, "paper_size": "a4"}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    fax = Fax.objects.get()
    convert(fax)
    with fax.document.open("rb") as handle:
        box = PdfReader(handle).pages[0].mediabox
    assert (round(float(box.width) / 72, 2), round(float(box.height) / 72, 2)) == (8.27, 11.69)
