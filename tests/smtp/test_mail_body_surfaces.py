"""The faxbox's e-mail body setting (cover / none / text) on every surface: the staff UI
form, /api/v1 (read and PATCH, bad values 400), Django admin, and the one write service."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from faxes.models import AuditEvent, Faxbox, MailBody
from faxes.services.faxboxes import FaxboxSettings, save_faxbox
from tests.conftest import token_client
from tests.ui.conftest import login

pytestmark = pytest.mark.django_db

FAXBOX = {
    "name": "Lab line",
    "numbers": "+12025550150",
    "fax_timezone": "America/Chicago",
    "retries": "2",
}


def test_the_write_service_keeps_checks_and_sets_it(acme):
    faxbox = save_faxbox(acme.account, FaxboxSettings(name="Desk"))
    assert faxbox.mail_body == MailBody.COVER  # the default: today's behaviour
    save_faxbox(acme.account, FaxboxSettings(name="Desk", mail_body="text"), faxbox)
    assert Faxbox.objects.get(pk=faxbox.pk).mail_body == "text"
    save_faxbox(acme.account, FaxboxSettings(name="Desk again"), faxbox)  # KEEP
    assert Faxbox.objects.get(pk=faxbox.pk).mail_body == "text"
    with pytest.raises(ValidationError) as refused:
        save_faxbox(acme.account, FaxboxSettings(name="Desk", mail_body="html"), faxbox)
    assert "mail_body" in refused.value.message_dict


def test_ui_form_round_trip(acme):
    client = login(acme.admin)
    assert client.post(reverse("manage-faxbox-create"), FAXBOX).status_code == 302
    faxbox = Faxbox.objects.get(name="Lab line")
    assert faxbox.mail_body == MailBody.COVER  # left out: a cover page
    edit = reverse("manage-faxbox-edit", args=[faxbox.pk])
    assert client.post(edit, {**FAXBOX, "mail_body": "none"}).status_code == 302
    faxbox.refresh_from_db()
    assert faxbox.mail_body == "none"
    page = client.get(edit).content.decode()
    assert '<option value="none" selected>' in page and "A text page" in page
    assert client.post(edit, FAXBOX).status_code == 302  # left out: kept
    faxbox.refresh_from_db()
    assert faxbox.mail_body == "none"
    bad = client.post(edit, {**FAXBOX, "mail_body": "html"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    german = client.get(edit, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ein Deckblatt aus Betreff und Text" in german


def _url(faxbox: Faxbox) -> str:
    return f"/api/v1/accounts/{faxbox.account_id}/faxboxes/{faxbox.pk}"


def test_v1_reads_and_patches_it(acme):
    faxbox = Faxbox.objects.for_account(acme.account).get()
    client = token_client(acme.account, "faxbox:manage")
    assert client.get(_url(faxbox)).json()["data"]["mail_body"] == "cover"
    answer = client.patch(_url(faxbox), {"mail_body": "text"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["data"]["mail_body"] == "text"
    faxbox.refresh_from_db()
    assert faxbox.mail_body == "text"
    assert AuditEvent.objects.filter(action="faxbox.updated").exists()


@pytest.mark.parametrize("bad", ["html", "", None, 1, ["text"]])
def test_v1_refuses_a_bad_value(acme, bad):
    faxbox = Faxbox.objects.for_account(acme.account).get()
    client = token_client(acme.account, "faxbox:manage")
    answer = client.patch(_url(faxbox), {"mail_body": bad}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("mail_body: ")
    faxbox.refresh_from_db()
    assert faxbox.mail_body == "cover"


def test_v1_patch_is_all_or_nothing(acme):
    faxbox = Faxbox.objects.for_account(acme.account).get()
    client = token_client(acme.account, "faxbox:manage")
    body = {"mail_body": "none", "paper_size": "a3"}
    answer = client.patch(_url(faxbox), body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("paper_size: ")
    faxbox.refresh_from_db()
    assert faxbox.mail_body == "cover"  # the valid field before the refused one is not kept
    assert not AuditEvent.objects.filter(action="faxbox.updated").exists()


def test_v1_patch_of_another_accounts_faxbox_is_404(acme, other):
    faxbox = Faxbox.objects.for_account(acme.account).get()
    client = token_client(other.account, "faxbox:manage")
    for body in ({"mail_body": "none"}, {"paper_size": "a4"}):
        answer = client.patch(
            f"/api/v1/accounts/{other.account.pk}/faxboxes/{faxbox.pk}", body,
            content_type="application/json",
        )  # fmt: skip
        assert answer.status_code == 404
    faxbox.refresh_from_db()
    assert faxbox.mail_body == "cover" and faxbox.paper_size == "auto"


def test_admin_shows_and_filters_it(acme):
    faxbox = Faxbox.objects.for_account(acme.account).get()
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    page = client.get(reverse("admin:faxes_faxbox_change", args=[faxbox.pk])).content.decode()
    assert 'name="mail_body"' in page and "A cover page from the subject and body" in page
    listing = client.get(reverse("admin:faxes_faxbox_changelist") + "?mail_body=cover")
    assert faxbox.name in listing.content.decode()
