"""Crossbar's envelope conventions: key case, the shape of what was sent, 401 before 405."""

from __future__ import annotations

import json

import pytest

from accounts.kazoo_auth import regenerate_api_key
from faxes.models import Fax
from tests.kazoo.conftest import Kazoo

pytestmark = pytest.mark.django_db


def test_upper_case_envelope_keys_are_accepted(acme, acme_faxbox, pdf_site):
    key = regenerate_api_key(acme.account)
    # api_util:normalize_envelope_keys lower-cases top-level keys ("-" reads as "_").
    status, body = Kazoo().json("PUT", "/v2/api_auth", envelope={"DATA": {"api_key": key}})
    assert status == 201, body
    token = body["auth_token"]
    envelope = {
        "Data": {"to_number": "+12025550188", "from_number": "+12025550140",
                 "document": {"url": f"{pdf_site}/a.pdf"}},
        "Auth-Token": token,
    }  # fmt: skip
    response = Kazoo().client.put(
        f"/v2/accounts/{acme.account.pk}/faxes", json.dumps(envelope),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["data"]["to_number"] == "+12025550188"
    assert Fax.objects.get().to_number == "+12025550188"


def test_fax_send_to_string_comes_back_as_a_string(kazoo_login, acme, pdf_site):
    url = f"/v2/accounts/{acme.account.pk}/faxes"
    base = {"to_number": "+12025550188", "from_number": "+12025550140",
            "document": {"url": f"{pdf_site}/a.pdf"}}  # fmt: skip
    status, body = kazoo_login.json(
        "PUT", url, {**base, "notifications": {"email": {"send_to": "me@acme.test"},
                                               "sms": {"send_to": "+12025550101"}}},
    )  # fmt: skip
    assert status == 201, body
    assert body["data"]["notifications"]["email"]["send_to"] == "me@acme.test"
    assert body["data"]["notifications"]["sms"] == {"send_to": "+12025550101"}
    fax = Fax.objects.get(pk=body["data"]["id"])
    assert fax.notify_emails == ["me@acme.test"]
    again = kazoo_login.json("GET", f"{url}/outgoing/{fax.pk}")[1]["data"]
    assert again["notifications"]["email"]["send_to"] == "me@acme.test"
    # A list stays a list.
    status, body = kazoo_login.json(
        "PUT", url, {**base, "notifications": {"email": {"send_to": ["a@acme.test"]}}}
    )
    assert body["data"]["notifications"]["email"]["send_to"] == ["a@acme.test"]


def test_faxbox_send_to_string_follows_later_changes(kazoo_login, acme):
    url = f"/v2/accounts/{acme.account.pk}/faxboxes"
    status, body = kazoo_login.json(
        "PUT",
        url,
        {"name": "Shape", "notifications": {"inbound": {"email": {"send_to": "x@acme.test"}}}},
    )
    assert status == 201
    assert body["data"]["notifications"]["inbound"]["email"]["send_to"] == "x@acme.test"
    faxbox_id = body["data"]["id"]
    assert kazoo_login.json("GET", f"{url}/{faxbox_id}")[1]["data"]["notifications"] == {
        "inbound": {"email": {"send_to": "x@acme.test"}}
    }
    # Changed elsewhere (the UI) to two addresses: a list; to none: gone.
    from faxes.models import Faxbox

    Faxbox.objects.filter(pk=faxbox_id).update(notify_inbound_emails=["x@acme.test", "y@acme.test"])
    doc = kazoo_login.json("GET", f"{url}/{faxbox_id}")[1]["data"]
    assert doc["notifications"]["inbound"]["email"]["send_to"] == ["x@acme.test", "y@acme.test"]
    Faxbox.objects.filter(pk=faxbox_id).update(notify_inbound_emails=[])
    assert "notifications" not in kazoo_login.json("GET", f"{url}/{faxbox_id}")[1]["data"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "faxes/inbox"), ("PATCH", "faxes/outgoing"), ("DELETE", "faxboxes"),
     ("PUT", "faxes/smtplog")],
)  # fmt: skip
def test_no_credentials_is_401_before_405(acme, method, path):
    status, body = Kazoo().json(method, f"/v2/accounts/{acme.account.pk}/{path}", {})
    assert status == 401 and body["error"] == "401", body
    # With credentials, the verb is what is wrong.
    key = regenerate_api_key(acme.account)
    token = Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})[1]["auth_token"]
    status, body = Kazoo(token).json(method, f"/v2/accounts/{acme.account.pk}/{path}", {})
    assert status == 405 and body["error"] == "405", body


def test_verb_not_allowed_on_login_routes_is_405(acme):
    assert Kazoo().json("GET", "/v2/user_auth")[0] == 405
