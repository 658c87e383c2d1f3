"""Every faxbox has a generated smtp_email_address, whichever way it was made."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Account, User
from faxes.models import Faxbox
from tests.ui.conftest import login

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r"[0-9a-f]{8}\.fax\.localhost")


def assert_addressed(faxbox: Faxbox) -> None:
    faxbox.refresh_from_db()
    assert faxbox.smtp_email_address and ADDRESS.fullmatch(faxbox.smtp_email_address)


def test_ui_created_faxbox_has_an_address_shown_on_v2(acme, kazoo_login):
    client = login(acme.admin)
    response = client.post(
        reverse("manage-faxbox-create"),
        {"name": "UI box", "numbers": "+12025550177", "caller_name": "x", "fax_header": "x",
         "fax_timezone": "UTC", "retries": "2"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    faxbox = Faxbox.objects.get(name="UI box")
    assert_addressed(faxbox)
    listing = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxboxes")[1]["data"]
    row = next(r for r in listing if r["id"] == faxbox.pk)
    assert row["smtp_email_address"] == faxbox.smtp_email_address


def test_admin_created_faxbox_has_an_address(acme):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    for name in ("Admin box", "Admin box 2"):  # two blank addresses never collide
        response = client.post(
            reverse("admin:faxes_faxbox_add"),
            {"account": acme.account.pk, "name": name, "fax_timezone": "UTC", "max_attempts": "1",
             "notify_inbound_emails": "[]", "notify_outbound_emails": "[]",
             "smtp_email_address": "", "smtp_permission_list": "[]", "extra": "{}",
             "mail_body": "cover",  # preselected in the form
             "numbers-TOTAL_FORMS": "0", "numbers-INITIAL_FORMS": "0"},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:3000]
        assert_addressed(Faxbox.objects.get(name=name))


def test_cli_and_demo_seed_faxboxes_have_addresses(db):
    call_command("createaccount", "Cli Clinic", email="cli@x.test", password="pw-123456789")
    call_command("seeddemo")
    faxboxes = list(Faxbox.objects.all())
    assert len(faxboxes) >= 2
    for faxbox in faxboxes:
        assert_addressed(faxbox)
    assert len({f.smtp_email_address for f in faxboxes}) == len(faxboxes)


def test_migration_gives_old_faxboxes_an_address(acme):
    Faxbox.objects.update(smtp_email_address=None)
    migration = importlib.import_module("faxes.migrations.0006_kazoo_callflows_identity_smtp")
    migration.give_every_faxbox_an_smtp_address(apps, None)
    for faxbox in Faxbox.objects.all():
        assert_addressed(faxbox)


def test_v2_faxbox_get_shows_the_address(kazoo_login, acme):
    faxbox = acme.account.faxboxes.first()
    doc = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxboxes/{faxbox.pk}")[1]
    assert doc["data"]["smtp_email_address"] == Faxbox.objects.get(pk=faxbox.pk).smtp_email_address
    assert Account.objects.count() == 1
