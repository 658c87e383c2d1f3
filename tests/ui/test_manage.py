"""Account admin pages: faxboxes (station id, e-mail address), users and roles, API tokens,
webhooks, audit log (one readable event per fax viewed)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Role, User
from accounts.tokens import find_token
from faxes.models import AuditEvent, Faxbox, FaxNumber, WebhookDelivery, WebhookEndpoint
from faxes.services import form_keys
from tests.conftest import PASSWORD
from tests.ui.conftest import login

pytestmark = pytest.mark.django_db

FAXBOX = {
    "name": "Lab line",
    "numbers": "+12025550150\n(202) 555-0151",
    "caller_id": "",
    "caller_name": "Acme Lab",
    "fax_header": "ACME LAB",
    "fax_identity": "+1 202 555 0150",  # T.30: digits, + and spaces
    "fax_timezone": "America/Chicago",
    "retries": "2",
    "notify_inbound_emails": "lab@acme.test, desk@acme.test",
    "notify_outbound_emails": "",
}


def test_admin_creates_and_edits_a_faxbox(acme, acme_box):
    client = login(acme.admin)
    response = client.post(reverse("manage-faxbox-create"), FAXBOX)
    assert response["Location"] == reverse("manage-faxboxes")
    faxbox = Faxbox.objects.get(name="Lab line")
    assert faxbox.account == acme.account and faxbox.caller_id == "+12025550150"
    assert faxbox.notify_inbound_emails == ["lab@acme.test", "desk@acme.test"]
    assert sorted(faxbox.numbers.values_list("number", flat=True)) == [
        "+12025550150",
        "+12025550151",
    ]
    edit = {**FAXBOX, "numbers": "+12025550151\n+12025550152", "retries": "4"}
    client.post(reverse("manage-faxbox-edit", args=[faxbox.pk]), edit)
    faxbox.refresh_from_db()
    assert faxbox.max_attempts == 4
    assert sorted(faxbox.numbers.values_list("number", flat=True)) == [
        "+12025550151",
        "+12025550152",
    ]
    listing = client.get(reverse("manage-faxboxes")).content.decode()
    assert "Lab line" in listing and "+1 202-555-0152" in listing
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "faxbox.created",
        "faxbox.updated",
    ]


def test_faxbox_errors_show_beside_the_fields(acme, acme_box, other):
    from tests.factories import FaxNumberFactory

    FaxNumberFactory(faxbox=other.account.faxboxes.first(), number="+12025550160")
    client = login(acme.admin)
    bad = {**FAXBOX, "fax_timezone": "Mars/Olympus", "retries": "9"}
    response = client.post(reverse("manage-faxbox-create"), bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert "valid choice" in html and "less than or equal to 4" in html
    taken = {**FAXBOX, "numbers": "+12025550160", "notify_inbound_emails": "not-an-address"}
    html = client.post(reverse("manage-faxbox-create"), taken).content.decode()
    assert "already belongs to another faxbox" in html  # the number, even another tenant's
    assert "is not an e-mail address" in html
    assert not Faxbox.objects.filter(name="Lab line").exists()


def test_admin_manages_users_and_roles(acme, staff):
    client = login(acme.admin)
    weak = client.post(
        reverse("manage-users"), {"email": "new@acme.test", "role": "staff", "password": "123"}
    )
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    client.post(
        reverse("manage-users"),
        {"email": "new@acme.test", "role": "viewer", "password": "a-long-new-password"},
    )
    created = User.objects.get(username="new@acme.test")
    assert created.account == acme.account and created.role == Role.VIEWER
    assert Client().login(username="new@acme.test", password="a-long-new-password")
    # A role change asks first.
    ask = client.post(reverse("manage-user-role", args=[created.pk]), {"role": "staff"})
    assert ask.status_code == 200 and b"Make new@acme.test staff?" in ask.content
    created.refresh_from_db()
    assert created.role == Role.VIEWER
    client.post(reverse("manage-user-role", args=[created.pk]), {"role": "staff", "confirmed": "1"})
    created.refresh_from_db()
    assert created.role == Role.STAFF
    # Nobody changes their own role or locks out the last admin.
    client.post(
        reverse("manage-user-role", args=[acme.admin.pk]), {"role": "viewer", "confirmed": "1"}
    )
    client.post(
        reverse("manage-user-active", args=[acme.admin.pk]), {"active": "0", "confirmed": "1"}
    )
    acme.admin.refresh_from_db()
    assert acme.admin.role == Role.ADMIN and acme.admin.is_active
    actions = [e.action for e in AuditEvent.objects.order_by("id")]
    assert actions == ["user.created", "user.role_changed"]


def test_a_disabled_user_is_logged_out(acme, staff):
    staff_client = login(staff)
    assert staff_client.get(reverse("inbox")).status_code == 200
    admin = login(acme.admin)
    ask = admin.post(reverse("manage-user-active", args=[staff.pk]), {"active": "0"})
    assert ask.status_code == 200 and b"Disable sam@acme.test?" in ask.content
    assert staff_client.get(reverse("inbox")).status_code == 200  # not yet
    admin.post(reverse("manage-user-active", args=[staff.pk]), {"active": "0", "confirmed": "1"})
    assert staff_client.get(reverse("inbox")).status_code == 302
    assert not Client().login(username=staff.username, password=PASSWORD)


def test_token_secret_is_shown_once_and_works(acme):
    client = login(acme.admin)
    response = client.post(
        reverse("manage-tokens"),
        {"name": "EHR bridge", "scopes": ["fax:read", "fax:send"], "expires_in_days": "30"},
        follow=True,
    )
    # Post/redirect/get: the secret is on the page the redirect lands on.
    assert response.redirect_chain == [(reverse("manage-tokens"), 302)]
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', response.content.decode()).group(1)
    token = find_token(secret)
    assert token.name == "EHR bridge" and token.scopes == ["fax:read", "fax:send"]
    assert token.expires_at is not None and token.created_by == acme.admin
    assert secret not in client.get(reverse("manage-tokens")).content.decode()
    ask = client.post(reverse("manage-token-revoke", args=[token.pk]))
    assert ask.status_code == 200 and ApiToken.objects.get(pk=token.pk).revoked_at is None
    client.post(reverse("manage-token-revoke", args=[token.pk]), {"confirmed": "1"})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    no_scope = client.post(reverse("manage-tokens"), {"name": "x"})
    assert no_scope.status_code == 400 and ApiToken.objects.count() == 1
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "token.created",
        "token.revoked",
    ]
    assert secret not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_webhooks_are_listed_created_and_disabled(acme):
    client = login(acme.admin)
    refused = client.post(
        reverse("manage-webhooks"), {"url": "ftp://93.184.216.34/x", "events": ["fax.received"]}
    )
    assert refused.status_code == 400 and "http" in refused.content.decode()
    response = client.post(
        reverse("manage-webhooks"),
        {"url": "https://93.184.216.34/hook", "events": ["fax.received"]},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("manage-webhooks"), 302)]
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret and endpoint.events == ["fax.received"]
    assert secret not in client.get(reverse("manage-webhooks")).content.decode()
    client.post(reverse("manage-webhook-toggle", args=[endpoint.pk]), {"enabled": "0"})
    assert WebhookEndpoint.objects.get().enabled is True  # asked first
    client.post(
        reverse("manage-webhook-toggle", args=[endpoint.pk]), {"enabled": "0", "confirmed": "1"}
    )
    assert WebhookEndpoint.objects.get().enabled is False
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        account=acme.account,
        event="fax.received",
        payload={},
        status="failed",
        attempts=3,
        last_status_code=503,
    )
    page = client.get(reverse("manage-webhooks")).content.decode()
    assert "HTTP 503" in page and "Failed" in page


def test_audit_log_filters_and_pages(settings, acme, inbound_fax):
    settings.FAXPORTAL_UI_PAGE_SIZE = 5
    viewer = login(acme.viewer)
    for _ in range(6):
        viewer.get(reverse("fax-pdf", args=[inbound_fax.pk]))
    client = login(acme.admin)
    page = client.get(reverse("manage-audit"), {"action": "fax.downloaded"}).content.decode()
    assert page.count('<span class="sub mono">fax.downloaded</span>') == 5 and 'rel="next"' in page
    assert "bob@acme.test" in page
    older = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', page).group(1)
    second = client.get(reverse("manage-audit") + older.replace("&amp;", "&")).content.decode()
    assert second.count('<span class="sub mono">fax.downloaded</span>') == 1
    by_user = client.get(reverse("manage-audit"), {"user": acme.admin.pk}).content.decode()
    assert '<span class="sub mono">fax.downloaded</span>' not in by_user


def test_audit_log_shows_only_the_own_account(acme, other, charlie, inbound_fax):
    login(acme.viewer).get(reverse("fax-detail", args=[inbound_fax.pk]))
    page = login(charlie).get(reverse("manage-audit")).content.decode()
    assert "fax.viewed" not in page.split("<tbody>")[1]
    assert FaxNumber.objects.exists()


def test_the_station_id_takes_only_what_t30_carries(acme):
    data = {"name": "Lab", "fax_timezone": "UTC", "retries": "1", "form_key": form_keys.new_key()}
    client = login(acme.admin)
    refused = client.post(reverse("manage-faxbox-create"), {**data, "fax_identity": "ACME LAB"})
    assert (
        refused.status_code == 400 and "Use only digits, + and spaces" in refused.content.decode()
    )
    client.post(reverse("manage-faxbox-create"), {**data, "fax_identity": "+1 202 555 0150"})
    assert Faxbox.objects.get(name="Lab").fax_identity == "+1 202 555 0150"


def test_viewing_a_fax_is_one_audit_event_with_a_readable_name(acme, inbound_fax):
    viewer = login(acme.viewer)
    viewer.get(reverse("fax-detail", args=[inbound_fax.pk]))
    for number in (1, 2):
        viewer.get(reverse("fax-page", args=[inbound_fax.pk, number]))
    viewer.get(reverse("fax-thumbnail", args=[inbound_fax.pk]))
    viewer.get(reverse("inbox"))
    assert list(
        AuditEvent.objects.exclude(action="fax.received").values_list("action", flat=True)
    ) == ["fax.viewed"]
    login(acme.admin).post(
        reverse("manage-tokens"), {"name": "EHR", "scopes": ["fax:read", "fax:send"]}
    )
    page = login(acme.admin).get(reverse("manage-audit")).content.decode()
    assert "Viewed fax" in page and "Created API token" in page
    assert "scopes:</span> fax:read, fax:send" in page
    assert "[&#x27;fax:read&#x27;" not in page and "['fax:read'" not in page


def test_the_email_address_is_shown_only_once_the_gateway_exists(acme, acme_box, monkeypatch):
    acme_box.smtp_email_address = "frontdesk.acme.fax.test"
    acme_box.save()
    client = login(acme.admin)
    from faxes.views import manage_faxboxes

    assert manage_faxboxes.email_gateway_exists()  # faxes.smtp is here now
    monkeypatch.setattr(manage_faxboxes, "email_gateway_exists", lambda: False)
    assert "frontdesk.acme.fax.test" not in client.get(reverse("manage-faxboxes")).content.decode()
    monkeypatch.setattr(manage_faxboxes, "email_gateway_exists", lambda: True)
    assert "frontdesk.acme.fax.test" in client.get(reverse("manage-faxboxes")).content.decode()
    edit = client.get(reverse("manage-faxbox-edit", args=[acme_box.pk])).content.decode()
    assert "{number}@frontdesk.acme.fax.test" in edit


def test_the_faxbox_page_lists_its_email_log_for_managers_only(acme, acme_box, other, staff):
    from faxes.models import Direction, SmtpLog, SmtpStatus
    from tests.factories import FaxFactory

    fax = FaxFactory(faxbox=acme_box, direction=Direction.OUTBOUND, to_number="+12025550102")
    SmtpLog.objects.create(
        account=acme.account, faxbox=acme_box, fax=fax, fax_ids=[fax.pk],
        from_address="desk@acme.test", to_address="2025550102@frontdesk.acme.fax.test",
        subject="Lab order", status=SmtpStatus.ACCEPTED,
    )  # fmt: skip
    SmtpLog.objects.create(
        account=acme.account, faxbox=acme_box, from_address="mallory@evil.test",
        to_address="2025550103@frontdesk.acme.fax.test", subject="Forged",
        errors=["the sender may not fax from this faxbox"],
    )  # fmt: skip
    elsewhere = Faxbox.objects.for_account(other.account).get()
    SmtpLog.objects.create(
        account=other.account, faxbox=elsewhere, from_address="x@other.test",
        to_address="1@other.fax.test", subject="Not ours",
    )  # fmt: skip
    url = reverse("manage-faxbox-edit", args=[acme_box.pk])
    page = login(acme.admin).get(url).content.decode()
    log = page[page.index('id="smtp-log"') :]
    assert "desk@acme.test" in log and "2025550102@frontdesk.acme.fax.test" in log
    assert "Lab order" in log and "accepted" in log
    assert reverse("fax-detail", args=[fax.pk]) in log
    assert "mallory@evil.test" in log and "refused" in log
    assert "the sender may not fax from this faxbox" in log
    assert "Not ours" not in log
    assert log.index("Forged") < log.index("Lab order")  # newest first
    assert login(acme.viewer).get(url).status_code == 403
    assert login(staff).get(url).status_code == 403
    assert login(other.admin).get(url).status_code == 404
    other_url = reverse("manage-faxbox-edit", args=[elsewhere.pk])
    assert login(acme.admin).get(other_url).status_code == 404
    german = login(acme.admin).get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "E-Mail-Protokoll" in german


def test_a_faxbox_without_mail_says_so(acme, acme_box):
    page = login(acme.admin).get(reverse("manage-faxbox-edit", args=[acme_box.pk]))
    assert "No e-mail has been offered to this faxbox yet." in page.content.decode()
