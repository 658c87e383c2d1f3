"""Every form of the staff UI acts once per submission: a double click sends one fax,
forwards or resubmits once, creates one object (form keys); a reload after a redirect
creates nothing and shows a new secret only once (post/redirect/get)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ApiToken, User
from faxes.models import AuditEvent, Contact, Fax, Faxbox, FaxStatus, WebhookEndpoint
from faxes.services import form_keys
from tests.factories import text_pdf
from tests.ui.conftest import login, outbound

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


# --- one result per submission (form keys) ---


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


# --- post/redirect/get ---


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
