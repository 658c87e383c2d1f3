"""PUT /v2/accounts/{id}/faxes with an Office document attached (multipart, as Kazoo's
e-mail path and SDKs send one): converted and faxed; a hostile one is a validation error."""

from __future__ import annotations

import json

import pytest

from faxes.models import Fax
from tests.documents import office_files
from tests.kazoo.test_faxes import multipart_mixed

pytestmark = pytest.mark.django_db(transaction=True)
ENVELOPE = json.dumps({"data": {"from_number": "+12025550140", "to_number": "+12025550120"}})


@pytest.fixture
def base(acme):
    return f"/v2/accounts/{acme.account.pk}"


def create(kazoo_login, base, attachment: bytes, content_type: str, filename: str):
    headers = {"Content-Disposition": f'form-data; name="content"; filename="{filename}"'}
    body, multipart = multipart_mixed(
        [("application/json", ENVELOPE.encode(), {}), (content_type, attachment, headers)]
    )
    return kazoo_login.client.generic(
        "PUT", f"{base}/faxes", body, content_type=multipart, **kazoo_login.headers()
    )


def test_a_word_document_is_converted_and_faxed(kazoo_login, base, pharmacy):
    docx = office_files.docx("Prescription", "Amoxicillin 500 mg")
    response = create(
        kazoo_login, base, docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "rx.docx",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    fax = Fax.objects.get(pk=response.json()["data"]["id"])
    assert fax.status == "delivered" and fax.pages == 1


def test_a_password_protected_attachment_is_refused(kazoo_login, base, pharmacy):
    response = create(
        kazoo_login, base, office_files.encrypted_ooxml(), "application/octet-stream", "rx.docx"
    )
    assert response.status_code == 400, response.content
    assert "is protected by a password" in json.dumps(response.json())
    assert not Fax.objects.exists()


def test_a_bare_word_body_is_converted_and_faxed(kazoo_login, base, pharmacy):
    response = kazoo_login.client.put(
        f"{base}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        office_files.docx("Prescription", "Amoxicillin 500 mg"),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content
    fax = Fax.objects.get(pk=response.json()["data"]["id"])
    assert fax.status == "delivered" and fax.pages == 1


def test_a_bare_body_declared_as_word_but_not_one_is_refused(kazoo_login, base, pharmacy):
    response = kazoo_login.client.put(
        f"{base}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        b"MZ\x90\x00 not a document",
        content_type="application/msword",
        **kazoo_login.headers(),
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"] == "validation error"
    assert not Fax.objects.exists()
