"""File retention per account and faxbox: the faxbox's setting wins over the account's,
which wins over FAXPORTAL_RETENTION_DAYS; admins set them in the UI and through /api/v1;
the fax shows when its files go; the hourly purge keeps the records."""

from __future__ import annotations

import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from faxes import services
from faxes.models import AuditEvent, Fax, Faxbox
from faxes.tasks import purge_expired_task
from tests.conftest import session_client, token_client
from tests.factories import FaxboxFactory, FaxNumberFactory, text_pdf
from tests.rendered import reuse_rendering

_ids = itertools.count(1)
_numbers = itertools.count(100)


def numbered(faxbox: Faxbox) -> Faxbox:
    FaxNumberFactory(faxbox=faxbox, account=faxbox.account, number=f"+1202555{next(_numbers):04d}")
    return faxbox


def received(faxbox: Faxbox, age_days: int = 0) -> Fax:
    with reuse_rendering():  # the real inbound path, the document rendered once per run
        fax = services.receive_fax(
            to_number=faxbox.numbers.first().number, from_number="+12025550199",
            data=text_pdf(1), transport="loopback", carrier_fax_id=f"ret-{next(_ids)}",
            filename="in.pdf",
        )  # fmt: skip
    if age_days:
        Fax.objects.filter(pk=fax.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return Fax.objects.get(pk=fax.pk)


@pytest.fixture
def acme_box(acme) -> Faxbox:
    return numbered(Faxbox.objects.for_account(acme.account).get())


@pytest.fixture
def other_box(other) -> Faxbox:
    return numbered(Faxbox.objects.for_account(other.account).get())


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the purge --------------------------------------------------------------------


def test_faxbox_overrides_account_overrides_portal(acme, other, acme_box, other_box, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 30
    Account.objects.filter(pk=acme.account.pk).update(retention_days=10)
    keeping = numbered(FaxboxFactory(account=acme.account, name="Records", retention_days=0))
    short = numbered(FaxboxFactory(account=acme.account, name="Short", retention_days=2))

    kept_by_faxbox = received(keeping, age_days=400)
    purged_by_account = received(acme_box, age_days=15)
    kept_by_account = received(acme_box, age_days=5)
    purged_by_faxbox = received(short, age_days=3)
    kept_by_portal = received(other_box, age_days=15)
    purged_by_portal = received(other_box, age_days=40)
    purged_file = purged_by_account.document.name
    assert default_storage.exists(purged_file)

    assert purge_expired_task() == 3
    for fax in (purged_by_account, purged_by_faxbox, purged_by_portal):
        fax.refresh_from_db()
        assert fax.attachment_purged_at and not fax.document  # the record stays
    for fax in (kept_by_faxbox, kept_by_account, kept_by_portal):
        fax.refresh_from_db()
        assert fax.attachment_purged_at is None and fax.document
    assert not default_storage.exists(purged_file)


def test_an_account_may_purge_while_the_portal_keeps(acme, acme_box, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 0
    fax = received(acme_box, age_days=8)
    assert purge_expired_task() == 0
    Account.objects.filter(pk=acme.account.pk).update(retention_days=7)
    assert purge_expired_task() == 1
    fax.refresh_from_db()
    assert fax.attachment_purged_at


# --- browser UI ---------------------------------------------------------------------


def test_admin_sets_the_account_retention(acme, alice, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 30
    client = login(alice)
    page = client.get(reverse("manage-faxboxes")).content.decode()
    assert "File retention" in page and "30 days" in page and "the portal&#x27;s setting" in page
    response = client.post(reverse("manage-account-retention"), {"retention_days": "90"})
    assert response.status_code == 302
    acme.account.refresh_from_db()
    assert acme.account.retention_days == 90
    assert "90 days" in client.get(reverse("manage-faxboxes")).content.decode()
    client.post(reverse("manage-account-retention"), {"retention_days": ""})
    acme.account.refresh_from_db()
    assert acme.account.retention_days is None


@pytest.mark.parametrize("value", ["-1", "36501", "ten"])
def test_account_retention_is_bounded(acme, alice, value):
    response = login(alice).post(reverse("manage-account-retention"), {"retention_days": value})
    assert response.status_code == 400
    acme.account.refresh_from_db()
    assert acme.account.retention_days is None


def test_only_admins_set_retention_and_only_for_their_account(acme, other, bob, charlie):
    assert (
        login(bob).post(reverse("manage-account-retention"), {"retention_days": "5"}).status_code
        == 403
    )
    login(charlie).post(reverse("manage-account-retention"), {"retention_days": "5"})
    acme.account.refresh_from_db()
    other.account.refresh_from_db()
    assert acme.account.retention_days is None and other.account.retention_days == 5


def faxbox_form(faxbox: Faxbox, **changes) -> dict:
    return {
        "name": faxbox.name, "numbers": "\n".join(n.number for n in faxbox.numbers.all()),
        "fax_timezone": faxbox.fax_timezone, "retries": faxbox.max_attempts, **changes,
    }  # fmt: skip


def test_admin_sets_a_faxbox_retention(acme, alice, acme_box):
    client = login(alice)
    url = reverse("manage-faxbox-edit", args=[acme_box.pk])
    assert 'name="retention_days"' in client.get(url).content.decode()
    assert client.post(url, faxbox_form(acme_box, retention_days="14")).status_code == 302
    acme_box.refresh_from_db()
    assert acme_box.retention_days == 14
    assert client.post(url, faxbox_form(acme_box, retention_days="-3")).status_code == 400
    assert client.post(url, faxbox_form(acme_box, retention_days="")).status_code == 302
    acme_box.refresh_from_db()
    assert acme_box.retention_days is None


def test_another_accounts_admin_gets_404_for_the_faxbox(acme_box, charlie):
    url = reverse("manage-faxbox-edit", args=[acme_box.pk])
    client = login(charlie)
    assert client.get(url).status_code == 404
    assert client.post(url, faxbox_form(acme_box, retention_days="1")).status_code == 404
    acme_box.refresh_from_db()
    assert acme_box.retention_days is None


def test_the_fax_page_says_when_its_files_go(acme, bob, charlie, acme_box, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 0
    fax = received(acme_box)
    url = reverse("fax-detail", args=[fax.pk])
    assert "Files purged on" not in login(bob).get(url).content.decode()
    Faxbox.objects.filter(pk=acme_box.pk).update(retention_days=30)
    page = login(bob).get(url).content.decode()
    when = timezone.localtime(fax.created_at + timedelta(days=30), ZoneInfo(acme.account.timezone))
    assert f"Files purged on {when:%b} {when.day}, {when.year}" in page
    assert login(charlie).get(url).status_code == 404


# --- /api/v1 ------------------------------------------------------------------------------


def test_v1_account_retention(acme, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 30
    client = token_client(acme.account, scopes="faxbox:manage")
    url = f"/api/v1/accounts/{acme.account.pk}"
    data = client.get(url).json()["data"]
    assert data["retention_days"] is None and data["effective_retention_days"] == 30
    answer = client.patch(url, {"retention_days": 365}, format="json")
    assert answer.status_code == 200
    assert answer.json()["data"]["retention_days"] == 365
    assert answer.json()["data"]["effective_retention_days"] == 365
    acme.account.refresh_from_db()
    assert acme.account.retention_days == 365
    event = AuditEvent.objects.get(action="account.retention_changed")
    assert event.account_id == acme.account.pk and event.details["retention_days"] == 365
    assert client.patch(url, {"retention_days": None}, format="json").status_code == 200
    acme.account.refresh_from_db()
    assert acme.account.retention_days is None


@pytest.mark.parametrize("value", [-1, 36501, "30", True, 1.5])
def test_v1_retention_bounds_in_the_api_error_shape(acme, value):
    client = token_client(acme.account, scopes="faxbox:manage")
    answer = client.patch(
        f"/api/v1/accounts/{acme.account.pk}", {"retention_days": value}, format="json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "bad_request" and body["message"].startswith("retention_days: ")
    assert "retention_days" in body["details"]


def test_v1_retention_body_must_be_just_retention(acme):
    client = token_client(acme.account, scopes="faxbox:manage")
    url = f"/api/v1/accounts/{acme.account.pk}"
    answer = client.patch(url, {"name": "Renamed"}, format="json")
    assert answer.status_code == 400 and "Only retention_days" in answer.json()["message"]
    assert client.patch(url, {}, format="json").status_code == 400


def test_v1_retention_needs_the_manage_scope(acme, bob):
    url = f"/api/v1/accounts/{acme.account.pk}"
    client = token_client(acme.account, scopes="fax:read")
    assert client.get(url).status_code == 200
    assert client.patch(url, {"retention_days": 1}, format="json").status_code == 403
    viewer = session_client(bob)
    assert viewer.patch(url, {"retention_days": 1}, format="json").status_code == 403


def test_v1_another_accounts_token_gets_404(acme, other, acme_box):
    client = token_client(other.account, scopes="faxbox:manage")
    account_url = f"/api/v1/accounts/{acme.account.pk}"
    faxbox_url = f"{account_url}/faxboxes/{acme_box.pk}"
    assert client.patch(account_url, {"retention_days": 1}, format="json").status_code == 404
    assert client.patch(faxbox_url, {"retention_days": 1}, format="json").status_code == 404
    own = f"/api/v1/accounts/{other.account.pk}/faxboxes/{acme_box.pk}"
    assert client.patch(own, {"retention_days": 1}, format="json").status_code == 404
    acme.account.refresh_from_db()
    acme_box.refresh_from_db()
    assert acme.account.retention_days is None and acme_box.retention_days is None


def test_v1_faxbox_retention(acme, acme_box, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 30
    Account.objects.filter(pk=acme.account.pk).update(retention_days=60)
    client = token_client(acme.account, scopes="faxbox:manage")
    url = f"/api/v1/accounts/{acme.account.pk}/faxboxes/{acme_box.pk}"
    assert client.get(url).json()["data"]["effective_retention_days"] == 60
    answer = client.patch(url, {"retention_days": 0}, format="json")
    assert answer.status_code == 200
    assert answer.json()["data"]["retention_days"] == 0
    assert answer.json()["data"]["effective_retention_days"] == 0
    listed = client.get(f"/api/v1/accounts/{acme.account.pk}/faxboxes").json()["data"]
    assert [f["retention_days"] for f in listed if f["id"] == acme_box.pk] == [0]
    assert client.patch(url, {"retention_days": 99999}, format="json").status_code == 400


def test_v1_fax_detail_has_files_purge_at(acme, other, acme_box, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 0
    fax = received(acme_box)
    client = token_client(acme.account, scopes="fax:read")
    assert client.get(f"/api/v1/faxes/{fax.pk}").json()["data"]["files_purge_at"] is None
    Account.objects.filter(pk=acme.account.pk).update(retention_days=10)
    data = client.get(f"/api/v1/faxes/{fax.pk}").json()["data"]
    expected = (fax.created_at + timedelta(days=10)).isoformat()[:19]
    assert data["files_purge_at"].startswith(expected)
    stranger = token_client(other.account, scopes="fax:read")
    assert stranger.get(f"/api/v1/faxes/{fax.pk}").status_code == 404


def test_v1_sent_detail_has_files_purge_at(acme, acme_box, settings):
    settings.FAXPORTAL_RETENTION_DAYS = 5
    result = services.submit_fax(
        account=acme.account, faxbox=acme_box, recipients=[acme_box.numbers.first().number],
        documents=[services.UploadedFile(text_pdf(1), "a.pdf")],
    )  # fmt: skip
    fax = result.faxes[0]
    client = token_client(acme.account, scopes="fax:read")
    assert client.get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]["files_purge_at"] is None
    services.process_fax(fax.pk)
    fax.refresh_from_db()
    data = client.get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert data["files_purge_at"].startswith((fax.created_at + timedelta(days=5)).isoformat()[:19])
    assert data["attachment_purged_at"] is None


def test_v1_a_reseller_sets_its_childs_retention_not_the_reverse(reseller_tree):
    reseller, child = reseller_tree.reseller, reseller_tree.child
    parent_token = token_client(reseller.account, scopes="faxbox:manage")
    url = f"/api/v1/accounts/{child.account.pk}"
    assert parent_token.patch(url, {"retention_days": 3}, format="json").status_code == 200
    child.account.refresh_from_db()
    assert child.account.retention_days == 3
    child_token = token_client(child.account, scopes="faxbox:manage")
    up = f"/api/v1/accounts/{reseller.account.pk}"
    assert child_token.patch(up, {"retention_days": 3}, format="json").status_code == 404
    sibling = f"/api/v1/accounts/{reseller_tree.sibling.account.pk}"
    assert child_token.patch(sibling, {"retention_days": 3}, format="json").status_code == 404
