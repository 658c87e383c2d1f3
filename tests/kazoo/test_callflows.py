"""/v2 callflows (module faxbox): numbers given to a faxbox the Kazoo way."""

from __future__ import annotations

import pytest

from accounts.kazoo_auth import regenerate_api_key
from faxes.models import Callflow, Direction, Fax, FaxNumber
from tests.factories import FaxNumberFactory
from tests.kazoo.conftest import Kazoo

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(account) -> Kazoo:
    key = regenerate_api_key(account)
    status, body = Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})
    assert status == 201
    return Kazoo(body["auth_token"])


def faxbox_flow(faxbox_id: str, key: str = "faxbox_id") -> dict:
    return {"module": "faxbox", "data": {key: faxbox_id}, "children": {}}


def test_faxbox_made_on_v2_gets_a_number_and_receives_on_it(kazoo_login, acme, other, pdf_site):
    # "other" builds its faxbox and its number entirely through /v2...
    theirs = client_for(other.account)
    base = f"/v2/accounts/{other.account.pk}"
    status, body = theirs.json("PUT", f"{base}/faxboxes", {"name": "Lab intake"})
    assert status == 201
    faxbox_id = body["data"]["id"]
    status, body = theirs.json(
        "PUT", f"{base}/callflows",
        {"name": "Lab fax line", "numbers": ["2025550170"], "flow": faxbox_flow(faxbox_id),
         "ringback": {"early": "x"}},
    )  # fmt: skip
    assert status == 201, body
    assert body["status"] == "success" and len(body["data"]["id"]) == 32
    doc = body["data"]
    assert doc["numbers"] == ["+12025550170"] and doc["name"] == "Lab fax line"
    assert doc["flow"]["module"] == "faxbox" and doc["flow"]["data"]["faxbox_id"] == faxbox_id
    assert doc["ringback"] == {"early": "x"}  # unknown keys kept
    # ...and acme's fax to that number lands in that faxbox.
    FaxNumberFactory(faxbox=acme.account.faxboxes.first(), number="+12025550140")
    status, body = kazoo_login.json(
        "PUT", f"/v2/accounts/{acme.account.pk}/faxes",
        {"to_number": "+12025550170", "from_number": "+12025550140",
         "document": {"url": f"{pdf_site}/a.pdf"}},
    )  # fmt: skip
    assert status == 201, body
    assert Fax.objects.get(pk=body["data"]["id"]).status == "delivered"
    inbox = theirs.json("GET", f"{base}/faxboxes/{faxbox_id}/faxes/inbox")[1]["data"]
    assert [row["to_number"] for row in inbox] == ["+12025550170"]
    assert Fax.objects.get(direction=Direction.INBOUND).faxbox_id == faxbox_id


def test_callflow_crud_and_kazoo_id_key(kazoo_login, acme):
    base = f"/v2/accounts/{acme.account.pk}/callflows"
    faxbox = acme.account.faxboxes.first()
    status, body = kazoo_login.json(
        "PUT", base, {"numbers": ["+12025550171", "+1 (202) 555-0172"],
                      "flow": faxbox_flow(faxbox.pk, key="id")},
    )  # fmt: skip
    assert status == 201, body
    callflow_id = body["data"]["id"]
    got = kazoo_login.json("GET", f"{base}/{callflow_id}")[1]["data"]
    assert got["numbers"] == ["+12025550171", "+12025550172"]
    assert got["metadata"] == {faxbox.pk: {"name": faxbox.name, "pvt_type": "faxbox"}}
    rows = kazoo_login.json("GET", base)[1]["data"]
    assert [r["id"] for r in rows] == [callflow_id] and rows[0]["modules"] == ["faxbox"]
    # PATCH merges, POST replaces: numbers follow, the UI sees them on the faxbox.
    status, body = kazoo_login.json("PATCH", f"{base}/{callflow_id}", {"name": "Renamed"})
    assert status == 200 and body["data"]["name"] == "Renamed"
    assert body["data"]["numbers"] == ["+12025550171", "+12025550172"]
    status, body = kazoo_login.json(
        "POST", f"{base}/{callflow_id}",
        {"numbers": ["+12025550172", "+12025550173"], "flow": faxbox_flow(faxbox.pk)},
    )  # fmt: skip
    assert status == 200, body
    assert sorted(faxbox.numbers.values_list("number", flat=True)) == [
        "+12025550172", "+12025550173"]  # fmt: skip
    status, body = kazoo_login.json("DELETE", f"{base}/{callflow_id}")
    assert status == 200 and body["data"]["_read_only"] == {"deleted": True}
    assert not FaxNumber.objects.exists() and not Callflow.objects.exists()
    assert kazoo_login.json("GET", f"{base}/{callflow_id}")[0] == 404


def test_taken_numbers_are_unique_errors(kazoo_login, acme, other):
    base = f"/v2/accounts/{acme.account.pk}/callflows"
    faxbox = acme.account.faxboxes.first()
    first = kazoo_login.json(
        "PUT", base, {"name": "Main", "numbers": ["+12025550171"], "flow": faxbox_flow(faxbox.pk)}
    )[1]["data"]
    # In another callflow of the account: Kazoo's message names that callflow.
    status, body = kazoo_login.json(
        "PUT", base, {"numbers": ["+12025550171"], "flow": faxbox_flow(faxbox.pk)}
    )
    assert status == 400 and body["message"] == "validation error"
    assert body["data"]["numbers"]["unique"] == {
        "message": f"Number +12025550171 exists in callflow {first['id']} Main",
        "cause": "+12025550171",
    }
    # Another account's number: taken, without saying whose.
    FaxNumberFactory(faxbox=other.account.faxboxes.first(), number="+12025550180")
    status, body = kazoo_login.json(
        "PUT", base, {"numbers": ["+12025550180"], "flow": faxbox_flow(faxbox.pk)}
    )
    assert status == 400
    assert body["data"]["numbers"]["unique"] == {
        "message": "Number +12025550180 is not available", "cause": "+12025550180"}  # fmt: skip
    assert other.account.name not in str(body)
    assert FaxNumber.objects.get(number="+12025550180").account == other.account
    # A number a faxbox has from the UI is taken too.
    FaxNumberFactory(faxbox=faxbox, number="+12025550181")
    status, body = kazoo_login.json(
        "POST", f"{base}/{first['id']}",
        {"numbers": ["+12025550171", "+12025550181"], "flow": faxbox_flow(faxbox.pk)},
    )  # fmt: skip
    assert status == 400 and "belongs to faxbox" in body["data"]["numbers"]["unique"]["message"]
    # Nothing changed by the refused update.
    assert kazoo_login.json("GET", f"{base}/{first['id']}")[1]["data"]["numbers"] == [
        "+12025550171"]  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "path", "rule"),
    [
        ({"flow": {"module": "faxbox", "data": {"faxbox_id": "x"}}}, "numbers", "required"),
        ({"numbers": [], "patterns": []}, "numbers", "required"),
        ({"numbers": "+12025550171"}, "numbers", "type"),
        ({"numbers": ["1001"]}, "numbers", "format"),
        ({"numbers": ["+12025550171"], "flow": {"module": "voicemail", "data": {}}},
         "flow.module", "enum"),
        ({"numbers": ["+12025550171"], "flow": {"module": "faxbox", "data": {}}},
         "flow.data.faxbox_id", "required"),
        ({"numbers": ["+12025550171"]}, "flow", "required"),
        ({"numbers": ["+12025550171"], "flow": "faxbox"}, "flow", "type"),
        ({"numbers": ["+12025550171"], "patterns": ["^\\+1"],
          "flow": {"module": "faxbox", "data": {"faxbox_id": "x"}}}, "patterns", "not_supported"),
    ],
)  # fmt: skip
def test_validation_errors(kazoo_login, acme, doc, path, rule):
    status, body = kazoo_login.json("PUT", f"/v2/accounts/{acme.account.pk}/callflows", doc)
    assert status == 400, body
    assert body["message"] == "validation error" and rule in body["data"][path], body
    assert not Callflow.objects.exists() and not FaxNumber.objects.exists()


def test_bad_module_error_shape(kazoo_login, acme):
    status, body = kazoo_login.json(
        "PUT", f"/v2/accounts/{acme.account.pk}/callflows",
        {"numbers": ["+12025550171"], "flow": {"module": "user", "data": {"id": "u"}}},
    )  # fmt: skip
    assert status == 400
    assert body["data"]["flow.module"] == {"enum": {
        "message": "Value not found in enumerated list of values", "target": ["faxbox"],
        "value": "user"}}  # fmt: skip


def test_another_accounts_callflow_and_faxbox(kazoo_login, acme, other):
    theirs = client_for(other.account)
    their_faxbox = other.account.faxboxes.first()
    created = theirs.json(
        "PUT", f"/v2/accounts/{other.account.pk}/callflows",
        {"numbers": ["+12025550190"], "flow": faxbox_flow(their_faxbox.pk)},
    )[1]["data"]  # fmt: skip
    base = f"/v2/accounts/{acme.account.pk}/callflows"
    for method in ("GET", "POST", "PATCH", "DELETE"):
        data = None if method in ("GET", "DELETE") else {"name": "x"}
        status, body = kazoo_login.json(method, f"{base}/{created['id']}", data)
        assert status == 404 and body["message"] == "bad_identifier", method
    assert kazoo_login.json("GET", base)[1]["data"] == []
    # Their account's URL: 403 (outside the caller's tree).
    assert kazoo_login.json("GET", f"/v2/accounts/{other.account.pk}/callflows")[0] == 403
    # Pointing a callflow at their faxbox: not a faxbox of this account.
    status, body = kazoo_login.json(
        "PUT", base, {"numbers": ["+12025550191"], "flow": faxbox_flow(their_faxbox.pk)}
    )
    assert status == 400 and "not_found" in body["data"]["flow.data.faxbox_id"]
    assert Callflow.objects.get().account == other.account


def test_viewer_token_cannot_change_callflows(acme):
    from accounts.services import create_api_token

    reader = Kazoo(create_api_token(acme.account, name="r", scopes="fax:read").secret)
    base = f"/v2/accounts/{acme.account.pk}/callflows"
    assert reader.json("GET", base)[0] == 200
    status, _ = reader.json(
        "PUT", base,
        {"numbers": ["+12025550171"], "flow": faxbox_flow(acme.account.faxboxes.first().pk)},
    )  # fmt: skip
    assert status == 403
