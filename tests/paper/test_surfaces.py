"""The paper size on every surface: the faxbox's (auto: Letter for +1 numbers, A4
elsewhere) and a request's, round trips through /api/v1, the staff UI and Django admin, and
a bad value refused in each surface's own error shape."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from faxes.models import AuditEvent, Fax, Faxbox, paper_for_number
from faxes.services.faxboxes import FaxboxSettings, save_faxbox
from tests.conftest import token_client
from tests.factories import FaxboxFactory, FaxNumberFactory, UserFactory, text_pdf
from tests.ui.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "paper"),
    [
        ("+12025550110", "letter"),
        ("+14165550100", "letter"),  # Canada: +1 too
        ("+442079460999", "a4"),
        ("+4930123456", "a4"),
        ("", "a4"),
    ],
)
def test_the_default_paper_follows_the_number(number, paper):
    assert paper_for_number(number) == paper


def test_a_faxbox_is_automatic_by_its_caller_id_else_its_first_number(acme):
    us = save_faxbox(acme.account, FaxboxSettings(name="US", numbers=["+12025550170"]))
    uk = save_faxbox(acme.account, FaxboxSettings(name="UK", numbers=["+442079460170"]))
    assert (us.paper_size, us.paper) == ("auto", "letter")
    assert (uk.paper_size, uk.paper) == ("auto", "a4")
    bare = FaxboxFactory(account=acme.account)
    FaxNumberFactory(faxbox=bare, account=acme.account, number="+13125550170")
    assert bare.caller_id == "" and bare.paper == "letter"
    chosen = save_faxbox(acme.account, FaxboxSettings(name="UK", paper_size="LEGAL"), uk)
    assert (chosen.paper_size, chosen.paper) == ("legal", "legal")


# --- /api/v1 ---------------------------------------------------------------------------------


def faxbox_url(faxbox) -> str:
    return f"/api/v1/accounts/{faxbox.account_id}/faxboxes/{faxbox.pk}"


def test_v1_faxbox_paper_size_round_trip(clinic):
    client = token_client(clinic.account, "faxbox:manage")
    data = client.get(faxbox_url(clinic)).json()["data"]
    assert (data["paper_size"], data["effective_paper_size"]) == ("auto", "letter")
    answer = client.patch(faxbox_url(clinic), {"paper_size": "b4"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["data"]["paper_size"] == answer.json()["data"]["effective_paper_size"]
    clinic.refresh_from_db()
    assert clinic.paper_size == "b4"
    assert AuditEvent.objects.filter(action="faxbox.updated").exists()
    back = client.patch(faxbox_url(clinic), {"paper_size": None}, content_type="application/json")
    assert back.json()["data"]["paper_size"] == "auto"


@pytest.mark.parametrize("bad", ["a3", "letter-size", 4, ["a4"]])
def test_v1_faxbox_bad_paper_size_is_400(clinic, bad):
    client = token_client(clinic.account, "faxbox:manage")
    answer = client.patch(faxbox_url(clinic), {"paper_size": bad}, content_type="application/json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "bad_request" and body["message"].startswith("paper_size: ")
    clinic.refresh_from_db()
    assert clinic.paper_size == "auto"


def test_v1_faxbox_patch_refuses_other_fields(clinic):
    client = token_client(clinic.account, "faxbox:manage")
    answer = client.patch(faxbox_url(clinic), {"name": "x"}, content_type="application/json")
    assert answer.status_code == 400 and "paper_size" in answer.json()["message"]


def send(client, **body):
    body = {"to": "+12025550199", "data": base64.b64encode(text_pdf(1)).decode(), **body}
    return client.post("/api/v1/faxes/send", json.dumps(body), content_type="application/json")


def test_v1_send_paper_size_round_trip(clinic):
    client = token_client(clinic.account)
    answer = send(client, paper_size="A4")
    assert answer.status_code == 200, answer.content
    fax = Fax.objects.get(pk=answer.json()["fax"]["sid"])
    assert fax.paper_size == "a4"
    detail = client.get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert detail["paper_size"] == "a4"
    # Without one: the faxbox's (a +1 faxbox: Letter).
    other = Fax.objects.get(pk=send(client).json()["fax"]["sid"])
    assert other.paper_size == "letter"


def test_v1_send_bad_paper_size_is_400(clinic):
    answer = send(token_client(clinic.account), paper_size="tabloid")
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert answer.json()["message"].startswith("paper_size: ")
    assert not Fax.objects.exists()


# --- staff UI ------------------------------------------------------------------------------


def admin_of(faxbox) -> Client:
    return login(UserFactory(account=faxbox.account, role=Role.ADMIN))


FAXBOX = {
    "name": "Lab line",
    "numbers": "+442079460150",
    "fax_timezone": "Europe/London",
    "retries": "2",
}


def test_ui_faxbox_form_round_trip(clinic):
    client = admin_of(clinic)
    assert client.post(reverse("manage-faxbox-create"), FAXBOX).status_code == 302
    faxbox = Faxbox.objects.get(name="Lab line")
    assert (faxbox.paper_size, faxbox.paper) == ("auto", "a4")  # left out: automatic
    edit = reverse("manage-faxbox-edit", args=[faxbox.pk])
    assert client.post(edit, {**FAXBOX, "paper_size": "legal"}).status_code == 302
    faxbox.refresh_from_db()
    assert faxbox.paper_size == "legal"
    page = client.get(edit).content.decode()
    assert '<option value="legal" selected>' in page


def test_ui_faxbox_form_refuses_an_unknown_paper(clinic):
    client = admin_of(clinic)
    response = client.post(reverse("manage-faxbox-create"), {**FAXBOX, "paper_size": "a3"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Faxbox.objects.filter(name="Lab line").exists()


def test_ui_send_form_takes_a_paper_size(clinic):
    client = admin_of(clinic)
    upload = {"documents": [_pdf()]}
    form = {"faxbox": clinic.pk, "to": "+12025550123", "resolution": "fine", "when": "now"}
    response = client.post(reverse("send"), {**form, **upload, "paper_size": "a4"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Fax.objects.get().paper_size == "a4"
    bad = client.post(reverse("send"), {**form, "documents": [_pdf()], "paper_size": "a3"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("doc.pdf", text_pdf(1), content_type="application/pdf")


# --- Django admin --------------------------------------------------------------------------


def test_admin_edits_the_paper_size(clinic):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    url = reverse("admin:faxes_faxbox_change", args=[clinic.pk])
    page = client.get(url).content.decode()
    assert 'name="paper_size"' in page and "Automatic: US Letter for +1 numbers" in page
    listing = client.get(reverse("admin:faxes_faxbox_changelist") + "?paper_size=auto")
    assert clinic.name in listing.content.decode()
