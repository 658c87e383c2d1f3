"""/v2 faxboxes CRUD against the faxbox schema."""

from __future__ import annotations

import re

import pytest

from faxes.models import Faxbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(acme):
    return f"/v2/accounts/{acme.account.pk}/faxboxes"


FULL = {
    "name": "Pharmacy line",
    "caller_name": "Acme Pharmacy",
    "caller_id": "+12025550150",
    "fax_header": "ACME PHARMACY",
    "fax_identity": "+1 202 555 0150",
    "fax_timezone": "America/Chicago",
    "retries": 2,
    "custom_smtp_email_address": "pharmacy.fax.example.com",
    "smtp_permission_list": ["doctor@clinic.test", ".*@lab\\.test"],
    "media": {"fax_option": True},
    "flags": ["priority"],
    "notifications": {
        "inbound": {"email": {"send_to": ["in@acme.test"]}, "sms": {"send_to": "+12025550151"}},
        "outbound": {
            "email": {"send_to": "out@acme.test"},
            "callback": {"url": "https://hooks.acme.test/fax", "method": "post", "type": "json"},
        },
    },
}


def test_create_returns_201_with_generated_smtp_address(kazoo_login, url, settings):
    status, body = kazoo_login.json("PUT", url, {**FULL, "smtp_email_address": "ignored.x"})
    assert status == 201, body
    doc = body["data"]
    assert re.fullmatch(r"[0-9a-f]{8}\.fax\.localhost", doc["smtp_email_address"])
    assert len(doc["id"]) == 32
    for key in (
        "name",
        "caller_name",
        "caller_id",
        "fax_header",
        "fax_timezone",
        "retries",
        "custom_smtp_email_address",
        "smtp_permission_list",
        "media",
        "flags",
    ):
        assert doc[key] == FULL[key], key
    assert doc["notifications"]["inbound"]["email"]["send_to"] == ["in@acme.test"]
    # Sent as a string, read back as a string (stored as a list all the same).
    assert doc["notifications"]["outbound"]["email"]["send_to"] == "out@acme.test"
    assert doc["notifications"]["outbound"]["callback"]["url"] == "https://hooks.acme.test/fax"
    assert doc["notifications"]["inbound"]["sms"] == {"send_to": "+12025550151"}
    faxbox = Faxbox.objects.get(pk=doc["id"])
    assert faxbox.notify_inbound_emails == ["in@acme.test"]
    assert faxbox.notify_outbound_emails == ["out@acme.test"]


def test_defaults(kazoo_login, url, acme):
    status, body = kazoo_login.json("PUT", url, {"name": "Plain"})
    assert status == 201
    assert body["data"]["retries"] == 1 and body["data"]["caller_name"] == "Fax Printer"
    assert body["data"]["smtp_permission_list"] == []
    assert body["data"]["fax_timezone"] == acme.account.timezone


def test_get_list_and_item(kazoo_login, url):
    created = kazoo_login.json("PUT", url, FULL)[1]["data"]
    status, body = kazoo_login.json("GET", url)
    assert status == 200
    assert created["id"] in [row["id"] for row in body["data"]]
    assert all("smtp_email_address" in row for row in body["data"] if row["id"] == created["id"])
    status, body = kazoo_login.json("GET", f"{url}/{created['id']}")
    assert status == 200 and body["data"] == created


def test_post_replaces_all_public_fields(kazoo_login, url):
    created = kazoo_login.json("PUT", url, FULL)[1]["data"]
    status, body = kazoo_login.json("POST", f"{url}/{created['id']}", {"name": "Renamed"})
    assert status == 200
    doc = body["data"]
    assert doc["name"] == "Renamed" and doc["retries"] == 1  # back to the default
    assert "custom_smtp_email_address" not in doc and "media" not in doc
    assert doc["smtp_email_address"] == created["smtp_email_address"]  # private fields kept


def test_patch_merges_then_validates(kazoo_login, url):
    created = kazoo_login.json("PUT", url, FULL)[1]["data"]
    status, body = kazoo_login.json(
        "PATCH",
        f"{url}/{created['id']}",
        {"retries": 4, "notifications": {"inbound": {"email": {"send_to": ["new@acme.test"]}}}},
    )
    assert status == 200, body
    doc = body["data"]
    assert doc["retries"] == 4 and doc["name"] == "Pharmacy line"  # no name needed in a patch
    assert doc["notifications"]["inbound"]["email"]["send_to"] == ["new@acme.test"]
    assert doc["notifications"]["outbound"]["email"]["send_to"] == "out@acme.test"
    status, body = kazoo_login.json("PATCH", f"{url}/{created['id']}", {"retries": 5})
    assert status == 400 and "maximum" in body["data"]["retries"]


def test_delete_is_soft(kazoo_login, url):
    created = kazoo_login.json("PUT", url, {"name": "Gone soon"})[1]["data"]
    status, body = kazoo_login.json("DELETE", f"{url}/{created['id']}")
    assert status == 200 and body["data"]["_read_only"]["deleted"] is True
    assert kazoo_login.json("GET", f"{url}/{created['id']}")[0] == 404
    assert Faxbox.objects.get(pk=created["id"]).deleted_at is not None


@pytest.mark.parametrize(
    ("doc", "path", "rule"),
    [
        ({}, "name", "required"),
        ({"name": ""}, "name", "minLength"),
        ({"name": "x" * 129}, "name", "maxLength"),
        ({"name": 5}, "name", "type"),
        ({"name": "x", "retries": 9}, "retries", "maximum"),
        ({"name": "x", "retries": "3"}, "retries", "type"),
        ({"name": "x", "fax_timezone": "Mars/Base"}, "fax_timezone", "enum"),
        ({"name": "x", "smtp_permission_list": "a@b"}, "smtp_permission_list", "type"),
        ({"name": "x", "media": {"fax_option": "yes"}}, "media.fax_option", "type"),
        (
            {"name": "x", "notifications": {"inbound": {"email": {"send_to": "nope"}}}},
            "notifications.inbound.email.send_to",
            "format",
        ),
        (
            {"name": "x", "notifications": {"outbound": {"callback": {"url": "ftp://x"}}}},
            "notifications.outbound.callback.url",
            "pattern",
        ),
        (
            {"name": "x", "notifications": {"outbound": {"callback": {"method": "get"}}}},
            "notifications.outbound.callback.method",
            "enum",
        ),
        ({"name": "x", "owner_id": "0" * 32}, "owner_id", "not_found"),
    ],
)
def test_schema_errors(kazoo_login, url, doc, path, rule):
    status, body = kazoo_login.json("PUT", url, doc)
    assert status == 400 and body["message"] == "validation error"
    assert rule in body["data"][path], body["data"]
    assert not Faxbox.objects.filter(name="x").exists()


def test_custom_smtp_address_is_unique_case_insensitively(kazoo_login, url, other):
    from accounts.services import create_api_token
    from tests.kazoo.conftest import Kazoo

    kazoo_login.json("PUT", url, {"name": "a", "custom_smtp_email_address": "fax.example.com"})
    other_client = Kazoo(create_api_token(other.account, name="t", scopes="faxbox:manage").secret)
    status, body = other_client.json(
        "PUT",
        f"/v2/accounts/{other.account.pk}/faxboxes",
        {"name": "b", "custom_smtp_email_address": "FAX.example.com"},
    )
    assert status == 400
    assert body["data"]["custom_smtp_email_address"]["unique"] == {
        "message": "email address must be unique",
        "cause": "FAX.example.com",
    }


def test_owner_and_filter_owner_id(kazoo_login, url, acme):
    kazoo_login.json("PUT", url, {"name": "Mine", "owner_id": acme.admin.pk})
    kazoo_login.json("PUT", url, {"name": "Not mine"})
    rows = kazoo_login.json("GET", f"{url}?filter_owner_id={acme.admin.pk}")[1]["data"]
    assert [row["name"] for row in rows] == ["Mine"]


def test_other_tenants_faxbox_is_404_and_their_account_403(kazoo_login, url, other):
    theirs = other.account.faxboxes.first()
    assert kazoo_login.json("GET", f"{url}/{theirs.pk}")[0] == 404
    assert kazoo_login.json("POST", f"{url}/{theirs.pk}", {"name": "x"})[0] == 404
    assert kazoo_login.json("DELETE", f"{url}/{theirs.pk}")[0] == 404
    status, body = kazoo_login.json("GET", f"/v2/accounts/{other.account.pk}/faxboxes")
    assert status == 403 and body["message"] == "forbidden"


def test_staff_editing_a_kazoo_faxbox_keeps_what_only_kazoo_sets(kazoo_login, url, acme):
    """Both surfaces save through the one faxbox service; the staff form's save leaves
    the Kazoo-only fields (e-mail address, permission list, unknown keys) alone."""
    from django.test import Client
    from django.urls import reverse

    from faxes.services import form_keys

    status, body = kazoo_login.json("PUT", url, FULL)
    assert status == 201, body
    faxbox_id = body["data"]["id"]
    staff = Client()
    staff.force_login(acme.admin)
    edited = staff.post(
        reverse("manage-faxbox-edit", args=[faxbox_id]),
        {"name": "Pharmacy line 2", "numbers": "", "caller_id": "", "caller_name": "Acme",
         "fax_header": "ACME", "fax_identity": "", "fax_timezone": "UTC", "retries": "3",
         "notify_inbound_emails": "in@acme.test", "notify_outbound_emails": "",
         "form_key": form_keys.new_key()},
    )  # fmt: skip
    assert edited.status_code == 302, edited.content.decode()[-2000:]
    status, body = kazoo_login.json("GET", f"{url}/{faxbox_id}")
    doc = body["data"]
    assert doc["name"] == "Pharmacy line 2" and doc["retries"] == 3
    assert doc["custom_smtp_email_address"] == FULL["custom_smtp_email_address"]
    assert doc["smtp_permission_list"] == FULL["smtp_permission_list"]
    assert doc["flags"] == ["priority"] and doc["media"] == {"fax_option": True}
    assert doc["notifications"]["outbound"]["callback"]["url"] == "https://hooks.acme.test/fax"


def test_a_portal_retry_limit_below_the_schemas_is_a_kazoo_validation_error(
    kazoo_login, url, settings
):
    settings.FAXPORTAL_MAX_RETRIES = 2
    status, body = kazoo_login.json("PUT", url, {"name": "Tight", "retries": 3})
    assert status == 400, body
    assert body["error"] == "400" and body["message"] == "validation error"
    assert "maximum" in body["data"]["retries"]
    assert not Faxbox.objects.filter(name="Tight").exists()


def test_paper_size_extension_round_trips_and_lays_out_the_faxes(kazoo_login, url):
    status, body = kazoo_login.json("PUT", url, {"name": "Legal box", "paper_size": "LEGAL"})
    assert status == 201, body
    assert body["data"]["paper_size"] == "legal"
    faxbox = Faxbox.objects.get(pk=body["data"]["id"])
    assert faxbox.paper_size == "legal" and faxbox.paper == "legal"
    assert "paper_size" not in faxbox.extra  # a real setting, not a kept unknown key
    # Absent (or "auto") means by the faxbox's number, and is not shown.
    status, body = kazoo_login.json("POST", f"{url}/{faxbox.pk}", {"name": "Legal box"})
    assert status == 200 and "paper_size" not in body["data"]
    assert Faxbox.objects.get(pk=faxbox.pk).paper_size == "auto"


def test_an_unknown_paper_size_is_a_kazoo_validation_error(kazoo_login, url):
    status, body = kazoo_login.json("PUT", url, {"name": "Odd", "paper_size": "A3"})
    assert status == 400
    assert body["message"] == "validation error"
    assert body["data"]["paper_size"]["enum"]["value"] == "A3"
    assert not Faxbox.objects.filter(name="Odd").exists()


def test_a_huge_paper_size_is_refused_without_echoing_it_whole(kazoo_login, url):
    status, body = kazoo_login.json("PUT", url, {"name": "Odd", "paper_size": "x" * 5000})
    assert status == 400
    assert body["data"]["paper_size"]["enum"]["value"] == "x" * 40
