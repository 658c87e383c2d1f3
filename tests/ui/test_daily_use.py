"""What a day of real use asked of the staff UI: one fax per double click, nothing
created twice by a reload, the sender's own faxbox, pages turned and kept, names
from the address book, the unread count, confirmations, readable audit rows, the
security headers and the small wording defects."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from accounts.models import ApiToken, User
from faxes.models import AuditEvent, Contact, Fax, Faxbox, FaxStatus, WebhookEndpoint
from faxes.services import form_keys
from tests.factories import FaxboxFactory, FaxNumberFactory, text_pdf
from tests.ui.conftest import login, outbound, received

pytestmark = pytest.mark.django_db


def pdf(name: str = "letter.pdf", pages: int = 1):
    return SimpleUploadedFile(name, text_pdf(pages), content_type="application/pdf")


def send_form(faxbox, **changes) -> dict:
    data = {
        "faxbox": faxbox.pk,
        "to": "+12025550120",
        "resolution": "fine",
        "when": "now",
        "documents": [pdf()],
    }
    data.update(changes)
    return data


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


# --- 1. one result per submission ---


def test_the_send_form_carries_a_key_and_the_same_key_sends_once(acme, staff, acme_box):
    client = login(staff)
    page = client.get(reverse("send"))
    assert page["Cache-Control"] == "no-store"  # going back gets a fresh key
    key = hidden(page.content.decode(), "idempotency_key")
    assert form_keys.is_key(key)
    letter = text_pdf(1)  # a double click sends the same bytes twice

    def same_form():
        upload = SimpleUploadedFile("letter.pdf", letter, content_type="application/pdf")
        return send_form(acme_box, idempotency_key=key, documents=[upload])

    first = client.post(reverse("send"), same_form())
    second = client.post(reverse("send"), same_form())
    assert first.status_code == second.status_code == 302
    assert Fax.objects.filter(direction="outbound").count() == 1
    assert AuditEvent.objects.filter(action="fax.sent").count() == 1
    # A new form is a new fax.
    fresh = hidden(client.get(reverse("send")).content.decode(), "idempotency_key")
    assert fresh != key
    client.post(reverse("send"), send_form(acme_box, idempotency_key=fresh))
    assert Fax.objects.filter(direction="outbound").count() == 2


def test_a_form_key_resent_with_other_files_sends_nothing_and_says_why(acme, staff, acme_box):
    client = login(staff)
    key = hidden(client.get(reverse("send")).content.decode(), "idempotency_key")
    client.post(reverse("send"), send_form(acme_box, idempotency_key=key))
    other = client.post(
        reverse("send"), send_form(acme_box, idempotency_key=key, documents=[pdf(pages=2)])
    )
    assert other.status_code == 400
    assert "already sent with other content" in other.content.decode()
    assert Fax.objects.filter(direction="outbound").count() == 1


def test_forward_twice_with_one_key_forwards_once(acme, staff, inbound_fax):
    client = login(staff)
    page = client.get(reverse("fax-detail", args=[inbound_fax.pk])).content.decode()
    key = hidden(page, "idempotency_key")
    data = {"to": "+12025550120", "faxbox": inbound_fax.faxbox_id, "idempotency_key": key}
    one = client.post(reverse("fax-forward", args=[inbound_fax.pk]), data)
    two = client.post(reverse("fax-forward", args=[inbound_fax.pk]), data)
    copy = Fax.objects.get(direction="outbound")
    assert one["Location"] == two["Location"] == reverse("fax-detail", args=[copy.pk])
    assert AuditEvent.objects.filter(action="fax.forwarded").count() == 1


def test_resubmit_twice_with_one_key_resubmits_once(acme, staff, acme_box):
    failed = outbound(acme_box, FaxStatus.FAILED, from_number="+12025550140")
    client = login(staff)
    page = client.get(reverse("fax-detail", args=[failed.pk])).content.decode()
    key = hidden(page, "form_key")
    one = client.post(reverse("fax-resubmit", args=[failed.pk]), {"form_key": key})
    two = client.post(reverse("fax-resubmit", args=[failed.pk]), {"form_key": key})
    copy = Fax.objects.get(resubmitted_from=failed)
    assert one["Location"] == two["Location"] == reverse("fax-detail", args=[copy.pk])


@pytest.mark.parametrize(
    ("url", "data", "model"),
    [
        ("manage-tokens", {"name": "EHR", "scopes": ["fax:read"]}, ApiToken),
        ("manage-webhooks", {"url": "https://93.184.216.34/h", "events": ["fax.received"]},
         WebhookEndpoint),
        ("manage-users", {"email": "n@acme.test", "role": "staff",
                          "password": "a-long-new-password"}, User),
        ("manage-faxbox-create", {"name": "Lab", "numbers": "+12025550150",
                                  "fax_timezone": "UTC", "retries": "1"}, Faxbox),
        ("contact-create", {"name": "City Lab", "fax_number": "+12025550177"}, Contact),
    ],
)  # fmt: skip
def test_every_create_form_creates_once_per_key(acme, acme_box, url, data, model):
    client = login(acme.admin)
    page = client.get(reverse(url)).content.decode()
    key = hidden(page, "form_key")
    before = model.objects.count()
    first = client.post(reverse(url), {**data, "form_key": key})
    second = client.post(reverse(url), {**data, "form_key": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert model.objects.count() == before + 1


def test_a_refused_form_can_be_corrected_and_sent_with_its_key(acme):
    client = login(acme.admin)
    key = form_keys.new_key()
    refused = client.post(reverse("manage-tokens"), {"name": "x", "form_key": key})
    assert refused.status_code == 400
    client.post(reverse("manage-tokens"), {"name": "x", "scopes": ["fax:read"], "form_key": key})
    assert ApiToken.objects.count() == 1


# --- 2. post/redirect/get ---


def test_reloading_the_token_page_creates_nothing_and_shows_the_secret_once(acme):
    client = login(acme.admin)
    created = client.post(reverse("manage-tokens"), {"name": "EHR", "scopes": ["fax:read"]})
    assert created.status_code == 302 and created["Location"] == reverse("manage-tokens")
    landing = client.get(created["Location"])
    assert landing["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', landing.content.decode()).group(1)
    reload = client.get(created["Location"])
    assert secret not in reload.content.decode()
    assert ApiToken.objects.count() == 1
    # The secret waits in the session encrypted, never in clear.
    client.post(reverse("manage-tokens"), {"name": "Two", "scopes": ["fax:read"]})
    stored = str(dict(client.session))
    assert "faxapi_" not in stored


def test_the_webhook_secret_is_shown_once_after_the_redirect(acme):
    client = login(acme.admin)
    created = client.post(
        reverse("manage-webhooks"), {"url": "https://93.184.216.34/h", "events": ["fax.received"]}
    )
    assert created.status_code == 302
    first = client.get(created["Location"]).content.decode()
    secret = WebhookEndpoint.objects.get().secret
    assert secret in first and secret not in client.get(created["Location"]).content.decode()


def test_another_accounts_user_cannot_see_or_touch_what_was_made(acme, charlie, inbound_fax):
    client = login(charlie)
    for name, args in (
        ("fax-view-pdf", [inbound_fax.pk]),
        ("fax-detail", [inbound_fax.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    turned = client.post(reverse("fax-page-rotate", args=[inbound_fax.pk, 1]))
    assert turned.status_code == 404
    assert client.get(reverse("inbox-unread")).json() == {"unread": 0, "newest": None}


# --- 4. the sending line is the user's ---


def test_from_faxbox_starts_on_the_users_default_or_last_used(acme, staff, acme_box):
    # "Aardvark" sorts first; the user never sends from it.
    first = FaxboxFactory(account=acme.account, name="Aardvark", caller_id="+12025550160")
    FaxNumberFactory(faxbox=first, account=acme.account, number="+12025550160")
    client = login(staff)

    def selected() -> str:
        html = client.get(reverse("send")).content.decode()
        return re.search(r'<option value="([^"]+)" selected>', html).group(1)

    client.post(reverse("send"), send_form(acme_box))
    assert selected() == acme_box.pk  # last used
    client.post(reverse("send"), send_form(first, make_default="on"))
    client.post(reverse("send"), send_form(acme_box))
    assert selected() == first.pk  # the default wins over the last used
    detail = client.get(reverse("fax-detail", args=[received(acme_box).pk])).content.decode()
    forward = detail[detail.index('id="forward-title"') :]
    assert re.search(r'<option value="([^"]+)" selected>', forward).group(1) == first.pk


# --- 5. inline view, print, rotation ---


def test_the_pdf_opens_inline_and_download_stays(acme, inbound_fax):
    client = login(acme.viewer)
    page = client.get(reverse("fax-detail", args=[inbound_fax.pk])).content.decode()
    assert reverse("fax-view-pdf", args=[inbound_fax.pk]) in page and "data-print" in page
    assert reverse("fax-pdf", args=[inbound_fax.pk]) in page
    view = client.get(reverse("fax-view-pdf", args=[inbound_fax.pk]))
    assert view["Content-Disposition"].startswith("inline")
    assert view["Cache-Control"] == "private, no-store"
    download = client.get(reverse("fax-pdf", args=[inbound_fax.pk]))
    assert download["Content-Disposition"].startswith("attachment")


def test_a_turned_page_stays_turned_for_that_fax(acme, staff, inbound_fax):
    client = login(acme.viewer)
    upright = Image.open(io.BytesIO(b"".join(
        client.get(reverse("fax-page", args=[inbound_fax.pk, 1])).streaming_content
    )))  # fmt: skip
    response = client.post(
        reverse("fax-page-rotate", args=[inbound_fax.pk, 1]), {"direction": "right"}
    )
    assert response.status_code == 302
    inbound_fax.refresh_from_db()
    assert inbound_fax.page_rotations == {"1": 90}
    turned = Image.open(io.BytesIO(b"".join(
        login(staff).get(reverse("fax-page", args=[inbound_fax.pk, 1])).streaming_content
    )))  # fmt: skip
    assert turned.size == (upright.height, upright.width)
    pdf_view = b"".join(
        client.get(reverse("fax-view-pdf", args=[inbound_fax.pk])).streaming_content
    )
    assert PdfReader(io.BytesIO(pdf_view)).pages[0].rotation == 90
    # Left twice from 90 is 270; the stored document never changes.
    for _ in range(2):
        client.post(reverse("fax-page-rotate", args=[inbound_fax.pk, 1]), {"direction": "left"})
    inbound_fax.refresh_from_db()
    assert inbound_fax.page_rotations == {"1": 270}
    assert client.post(reverse("fax-page-rotate", args=[inbound_fax.pk, 9])).status_code == 404
    partial = client.post(
        reverse("fax-page-rotate", args=[inbound_fax.pk, 2]), HTTP_HX_REQUEST="true"
    )
    assert partial.content.decode().lstrip().startswith('<figure class="page-frame" id="page-2"')


# --- 6. names from the address book ---


def test_lists_and_detail_show_contact_names_and_search_finds_them(acme, acme_box, staff):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550199")
    Contact.objects.create(account=acme.account, name="Main Pharmacy", fax_number="+12025550120")
    inbound = received(acme_box, sender="+12025550199")
    other = received(acme_box, sender="+12025550111")
    client = login(staff)
    client.post(reverse("send"), send_form(acme_box, documents=[pdf("referral-jones.pdf")]))
    sent = Fax.objects.get(direction="outbound")
    inbox = client.get(reverse("inbox")).content.decode()
    assert "City Lab" in inbox
    assert "Main Pharmacy" in client.get(reverse("outbox")).content.decode()
    assert (
        "Fax from City Lab" in client.get(reverse("fax-detail", args=[inbound.pk])).content.decode()
    )
    found = client.get(reverse("inbox"), {"q": "city"}).content.decode()
    assert inbound.pk in found and other.pk not in found
    by_name = client.get(reverse("outbox"), {"q": "pharmacy"}).content.decode()
    assert sent.pk in by_name
    by_file = client.get(reverse("outbox"), {"q": "referral-jones"}).content.decode()
    assert sent.pk in by_file
    assert sent.pk not in client.get(reverse("outbox"), {"q": "nothing-like-it"}).content.decode()


# --- 7. the unread count ---


def test_title_and_sidebar_show_the_unread_count(acme, acme_box):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550199")
    received(acme_box)
    newest = received(acme_box)
    client = login(acme.viewer)
    page = client.get(reverse("outbox")).content.decode()
    assert "<title>(2) Outbox · Fax portal</title>" in page
    assert re.search(r'id="unread-count"><span class="visually-hidden">, unread: </span>'
                     r'<span data-unread>2</span>', page)  # fmt: skip
    answer = client.get(reverse("inbox-unread"), {"poll": "1"})
    assert answer["Cache-Control"] == "no-store"
    assert answer.json()["unread"] == 2 and answer.json()["newest"]["id"] == newest.pk
    assert answer.json()["newest"]["from"] == "City Lab"
    client.get(reverse("fax-detail", args=[newest.pk]))
    assert client.get(reverse("inbox-unread")).json()["unread"] == 1
    client.get(reverse("fax-detail", args=[Fax.objects.exclude(pk=newest.pk).get().pk]))
    page = client.get(reverse("outbox")).content.decode()
    assert "<title>Outbox · Fax portal</title>" in page


# --- 9. confirmations ---


def test_the_outbox_cancel_asks_before_cancelling(acme, staff, acme_box, outbound_fax):
    client = login(staff)
    ask = client.post(reverse("fax-cancel", args=[outbound_fax.pk]), {"next": "/outbox/"})
    html = ask.content.decode()
    assert 'name="confirmed" value="1"' in html and 'name="next" value="/outbox/"' in html
    assert Fax.objects.get(pk=outbound_fax.pk).status == FaxStatus.QUEUED
    done = client.post(
        reverse("fax-cancel", args=[outbound_fax.pk]), {"next": "/outbox/", "confirmed": "1"}
    )
    assert done["Location"] == "/outbox/"
    assert Fax.objects.get(pk=outbound_fax.pk).status == FaxStatus.CANCELLED
    cancelled = client.get(reverse("outbox")).content.decode()
    assert "Resubmit the fax to" in cancelled and "Receipt of the fax to" not in cancelled
    detail = client.get(reverse("fax-detail", args=[outbound_fax.pk])).content.decode()
    assert "Receipt</a>" not in detail and "Resubmit</button>" in detail


# --- 11. small defects ---


def test_the_pixel_limit_message_names_the_real_limit(acme, staff, acme_box, settings):
    settings.FAXPORTAL_MAX_IMAGE_PIXELS = 40_000_000
    Image.MAX_IMAGE_PIXELS, before = 1_000_000, Image.MAX_IMAGE_PIXELS  # Pillow's own bomb guard
    try:
        out = io.BytesIO()
        Image.new("1", (3000, 3000)).save(out, "PNG")
        big = SimpleUploadedFile("huge.png", out.getvalue(), content_type="image/png")
        response = login(staff).post(reverse("send-preview"), send_form(acme_box, documents=[big]))
    finally:
        Image.MAX_IMAGE_PIXELS = before
    html = response.content.decode()
    assert "at most 40 million pixels" in html and "at most 0 million" not in html


def test_the_preview_names_every_bad_file(acme, staff, acme_box):
    bad_one = SimpleUploadedFile("one.exe", b"MZ\x90\x00" + b"\x00" * 200)
    bad_two = SimpleUploadedFile("two.pdf", b"%PDF-1.4 broken")
    response = login(staff).post(
        reverse("send-preview"), send_form(acme_box, documents=[bad_one, pdf(), bad_two])
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "one.exe" in html and "two.pdf" in html
    assert "an EXE file" in html and "a EXE" not in html


def test_a_scheduled_time_is_echoed_in_the_picked_zone_and_the_accounts(acme, staff, acme_box):
    acme.account.timezone = "Europe/Paris"
    acme.account.save()

    def data():
        return send_form(
            acme_box, when="later", scheduled_at="2031-03-04T09:00", timezone="America/New_York"
        )

    preview = login(staff).post(reverse("send-preview"), data()).content.decode()
    assert "Mar 4, 2031 09:00 EST (America/New_York)" in preview
    assert "15:00 CET in Europe/Paris" in preview
    response = login(staff).post(reverse("send"), data(), follow=True)
    message = next(str(m) for m in response.context["messages"])
    assert "09:00 EST (America/New_York)" in message and "15:00 CET in Europe/Paris" in message
    assert Fax.objects.get().scheduled_at == datetime(2031, 3, 4, 14, 0, tzinfo=UTC)


def test_times_follow_the_browsers_clock(acme, acme_box):
    acme.account.timezone = "UTC"
    acme.account.save()
    fax = received(acme_box)
    Fax.objects.filter(pk=fax.pk).update(completed_at=datetime(2030, 1, 2, 15, 4, tzinfo=UTC))
    us = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    us.force_login(acme.viewer)
    gb = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    gb.force_login(acme.viewer)
    assert "3:04 PM" in us.get(reverse("inbox")).content.decode()
    british = gb.get(reverse("inbox")).content.decode()
    assert "15:04" in british and "PM" not in british


def test_an_inbound_fax_is_not_received_before_it_was_created(acme, acme_box):
    fax = received(acme_box)
    assert fax.completed_at >= fax.created_at
    fax.refresh_from_db()
    assert fax.completed_at >= fax.created_at


def test_the_station_id_takes_only_what_t30_carries(acme):
    data = {"name": "Lab", "fax_timezone": "UTC", "retries": "1", "form_key": form_keys.new_key()}
    client = login(acme.admin)
    refused = client.post(reverse("manage-faxbox-create"), {**data, "fax_identity": "ACME LAB"})
    assert (
        refused.status_code == 400 and "Use only digits, + and spaces" in refused.content.decode()
    )
    client.post(reverse("manage-faxbox-create"), {**data, "fax_identity": "+1 202 555 0150"})
    assert Faxbox.objects.get(name="Lab").fax_identity == "+1 202 555 0150"


# --- 12. the audit log ---


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


def test_audit_events_are_read_only_in_django_admin(acme, inbound_fax):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    event = AuditEvent.objects.get(action="fax.received")
    assert client.get(reverse("admin:faxes_auditevent_add")).status_code == 403
    change = client.post(reverse("admin:faxes_auditevent_change", args=[event.pk]), {"action": "x"})
    assert change.status_code in (302, 403) and AuditEvent.objects.get(pk=event.pk).action != "x"
    client.post(reverse("admin:faxes_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    listing = client.get(reverse("admin:faxes_auditevent_changelist")).content.decode()
    assert "action-select" not in listing  # no bulk delete either


# --- 13. security headers ---


@pytest.mark.parametrize("name", ["inbox", "outbox", "send", "contacts", "manage-audit"])
def test_every_page_has_a_strict_content_security_policy(acme, name):
    response = login(acme.admin).get(reverse(name))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "default-src 'self'" in policy
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    assert '"allowEval":false' in html


# --- 15. e-mail to fax ---------------------------------------------------------------------------


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


def test_times_are_shown_in_the_accounts_zone(acme, acme_box):
    acme.account.timezone = "America/New_York"
    acme.account.save()
    fax = received(acme_box)
    Fax.objects.filter(pk=fax.pk).update(completed_at=datetime(2030, 1, 2, 15, 4, tzinfo=UTC))
    page = login(acme.viewer).get(reverse("inbox")).content.decode()
    assert "10:04 EST" in page and "15:04 UTC" not in page
