"""Wrong types, oversized values and impossible parameters answer 400, never 500."""

from __future__ import annotations

import base64
import json

import pytest

from faxes.models import Fax, Faxbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "data",
    [
        {"to_number": "+12025550120", "from_number": "+12025550140", "from_name": 5,
         "document": {"url": "http://127.0.0.1:9/x.pdf"}},
        {"to_number": "+12025550120", "from_number": "+12025550140", "to_name": ["x"],
         "document": {"url": "http://127.0.0.1:9/x.pdf"}},
        {"to_number": "+12025550120", "from_number": "+12025550140", "from_name": "x" * 500,
         "document": {"url": "http://127.0.0.1:9/x.pdf"}},
        {"to_number": 12025550120, "from_number": "+12025550140",
         "document": {"url": "http://127.0.0.1:9/x.pdf"}},
        {"to_number": "+12025550120", "from_number": "+12025550140",
         "document": {"url": "http://127.0.0.1:9/" + "x" * 3000}},
        {"to_number": "+12025550120", "from_number": "+12025550140", "document": "http://x"},
        {"to_number": "+12025550120", "from_number": "+12025550140",
         "document": {"url": "http://127.0.0.1:9/x.pdf"}, "notifications": "me@x.test"},
    ],
)  # fmt: skip
def test_fax_create_rejects_bad_fields(kazoo_login, acme, data):
    status, body = kazoo_login.json("PUT", f"/v2/accounts/{acme.account.pk}/faxes", data)
    assert status == 400, body
    assert body["message"] == "validation error"
    assert not Fax.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("caller_name", "x" * 65), ("fax_header", "x" * 65), ("caller_id", "1" * 21),
("custom_smtp_email_address", "x" * 255),
        ("fax_timezone", "x" * 65),
    ],
)  # fmt: skip
def test_faxbox_rejects_overlong_fields(kazoo_login, acme, field, value):
    url = f"/v2/accounts/{acme.account.pk}/faxboxes"
    before = Faxbox.objects.count()
    status, body = kazoo_login.json("PUT", url, {"name": "Long", field: value})
    assert status == 400, body
    assert field in body["data"]
    assert Faxbox.objects.count() == before


@pytest.mark.parametrize(
    "query",
    [
        "created_from=99999999999999999999&created_to=99999999999999999999",
        "created_to=-99999999999999",
        "page_size=99999999999999999999999",
        "start_key=WyJub3QgYSBkYXRlIiwgIngiXQ",
    ],
)
def test_impossible_list_parameters(kazoo_login, acme, query):
    status, body = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxes/inbox?{query}")
    assert status in (200, 400), body
    assert status != 500


def test_a_deeply_nested_start_key_starts_the_list_at_the_top(kazoo_login, acme):
    key = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode().rstrip("=")
    status, body = kazoo_login.json(
        "GET", f"/v2/accounts/{acme.account.pk}/faxes/inbox?start_key={key}"
    )
    assert status == 200, body


def test_unknown_and_malformed_ids_are_bad_identifier(kazoo_login, acme):
    base = f"/v2/accounts/{acme.account.pk}"
    for fax_id in ("nope", "202611-" + "0" * 32, "x" * 300):
        for path in (
            f"faxes/outbox/{fax_id}",
            f"faxes/inbox/{fax_id}/attachment",
            f"faxes/{fax_id}",
            f"faxboxes/{fax_id}",
            f"faxes/smtplog/{fax_id}",
        ):
            status, body = kazoo_login.json("GET", f"{base}/{path}")
            assert status == 404 and body["message"] == "bad_identifier", path


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_past_the_upload_limit_is_413_in_the_envelope(
    kazoo_login, acme, settings, content_type
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"data": {"name": "x" * 5000}})
    response = kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxboxes", body, content_type=content_type,
        **kazoo_login.headers(),
    )  # fmt: skip
    assert response.status_code == 413
    answer = response.json()
    assert answer["status"] == "error" and answer["message"] == "request too large"
