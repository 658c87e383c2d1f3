"""Bad input through the real pages: unknown ids, broken cursors and filters, wrong
field values and broken files each get a clear 4xx, never a 500."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faxes.models import Fax
from faxes.views.common import add_service_errors
from tests.ui.conftest import login

pytestmark = pytest.mark.django_db

CURSOR_WITH_TEXT_ID = "MjAyNC0wMS0wMVQwMDowMDowMCswMDowMHxhYmM"  # "2024-01-01T00:00:00+00:00|abc"

BAD_QUERIES = [
    ("inbox", {"after": "!!!"}),
    ("inbox", {"before": "bm90YWN1cnNvcg"}),
    ("inbox", {"date_from": "2024-99-99", "faxbox": "zzz", "unread": "maybe"}),
    ("inbox", {"sender": "x" * 5000, "q": "\x00abc"}),
    ("outbox", {"status": "nonsense", "after": "MjAyNC0wMS0wMVQwMDowMDowMCswMDowMHw"}),
    ("manage-audit", {"after": CURSOR_WITH_TEXT_ID, "user": "nope"}),
    ("manage-audit", {"fax": "x" * 500, "date_to": "yesterday"}),
    ("contacts", {"q": "\x00" * 3}),
    ("contact-suggest", {"q": "a" * 10000}),
    ("send-recipients", {"to": ",".join(["+1202555"] * 500)}),
    ("send", {"faxbox": "x" * 300, "to": "\x00"}),
]


@pytest.mark.parametrize("name,params", BAD_QUERIES)
def test_bad_query_parameters_are_not_server_errors(acme, acme_box, name, params):
    response = login(acme.admin).get(reverse(name), params)
    assert response.status_code in (200, 400)


BAD_POSTS = [
    (
        "send",
        {
            "faxbox": "x",
            "to": "+12025550120",
            "retries": "99999999999999999999",
            "resolution": "ultra",
            "when": "later",
            "scheduled_at": "9999-12-31T23:59",
            "timezone": "Mars/Base",
        },
    ),
    ("send-preview", {"to": "+12025550120", "when": "later", "scheduled_at": "0001-01-01T00:00"}),
    ("manage-tokens", {"name": "x" * 1000, "scopes": ["bogus"], "expires_in_days": "1e9"}),
    ("manage-webhooks", {"url": "javascript:alert(1)", "events": ["nope"]}),
    ("manage-webhooks", {"url": "http://127.0.0.1/x", "events": ["fax.received"]}),
    ("manage-users", {"email": "a" * 300 + "@x.test", "role": "god", "password": "x"}),
    (
        "manage-faxbox-create",
        {"name": "n", "numbers": "+1" * 200, "retries": "-1", "fax_timezone": "Nope"},
    ),
    ("contact-create", {"name": "\x00", "fax_number": "9" * 400}),
]


@pytest.mark.parametrize("name,data", BAD_POSTS)
def test_bad_form_values_are_a_4xx_and_store_nothing(acme, acme_box, name, data):
    faxes_before = Fax.objects.count()
    response = login(acme.admin).post(reverse(name), data)
    assert 400 <= response.status_code < 500
    assert Fax.objects.count() == faxes_before


BROKEN_FILES = [
    ("a.pdf", b"%PDF-1.4 broken"),
    ("a.png", b"\x89PNG\r\n\x1a\nxx"),
    ("a.exe", b"MZ\x90\x00\x03\x00"),  # an executable's header (b"MZ" alone is text)
    ("a.tiff", b"II*\x00garbage"),
]


@pytest.mark.parametrize("filename,data", BROKEN_FILES)
@pytest.mark.parametrize("name,status", [("send-preview", 422), ("send", 400)])
def test_broken_files_are_refused_beside_the_field(acme, acme_box, filename, data, name, status):
    form = {"faxbox": acme_box.pk, "to": "+12025550120", "resolution": "fine", "when": "now"}
    upload = SimpleUploadedFile(filename, data)
    response = login(acme.admin).post(reverse(name), {**form, "documents": upload})
    assert response.status_code == status
    assert re.search(r'id="id_documents_error"[^>]*><p>', response.content.decode())
    assert not Fax.objects.filter(account=acme.account, direction="outbound").exists()


@pytest.mark.parametrize(
    "name", ["fax-detail", "fax-pdf", "fax-thumbnail", "contact-edit", "manage-faxbox-edit"]
)
@pytest.mark.parametrize("key", ["x" * 2000, "%00", "..%2f..", "null"])
def test_unknown_ids_are_404(acme, acme_box, name, key):
    assert login(acme.admin).get(reverse(name, args=[key])).status_code == 404


def test_a_huge_page_number_or_a_bad_forward_is_a_4xx(acme, inbound_fax):
    client = login(acme.admin)
    page = reverse("fax-page", args=[inbound_fax.pk, 10**30])
    assert client.get(page).status_code == 404
    forward = reverse("fax-forward", args=[inbound_fax.pk])
    assert client.post(forward, {"to": "abc", "faxbox": "zzz"}).status_code == 400


def test_service_errors_without_fields_go_on_top_of_the_form():
    class NameForm(forms.Form):
        name = forms.CharField()

    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"name": ["taken"], "other": ["odd"]}))
    add_service_errors(form, ValidationError("plain"))
    assert form.errors["name"] == ["taken"]
    assert form.non_field_errors() == ["odd", "plain"]


@pytest.mark.parametrize("name", ["inbox", "outbox", "manage-audit"])
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_dates_at_the_ends_of_the_calendar_filter_without_error(
    acme, acme_box, inbound_fax, name, zone
):
    acme.account.timezone = zone
    acme.account.save()
    client = login(acme.admin)
    for dates in (("0001-01-01", "9999-12-31"), ("0001-01-02", "9999-12-30")):
        response = client.get(reverse(name), {"date_from": dates[0], "date_to": dates[1]})
        assert response.status_code == 200
        if name == "inbox":
            assert inbound_fax.pk in response.content.decode()


# Well-formed cursors naming a moment that does not exist in UTC (year 10000 / year 0).
FORGED_CURSORS = [
    "OTk5OS0xMi0zMVQyMzowMDowMC0xMjowMHxhYmM",  # 9999-12-31T23:00:00-12:00|abc
    "MDAwMS0wMS0wMVQwMDowMDowMCsxNDowMHxhYmM",  # 0001-01-01T00:00:00+14:00|abc
]


@pytest.mark.parametrize("cursor", FORGED_CURSORS)
@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize("name", ["inbox", "manage-audit"])
def test_a_cursor_outside_the_calendar_is_a_400(acme, acme_box, cursor, direction, name):
    response = login(acme.admin).get(reverse(name), {direction: cursor})
    assert response.status_code == 400
