"""Deeply nested JSON bodies are a 400 in Crossbar's envelope, for every body reader."""

from __future__ import annotations

import pytest

from faxes.models import Fax, Faxbox

pytestmark = pytest.mark.django_db(transaction=True)

DEEP = "[" * 5000 + "]" * 5000
DEEP_ENVELOPE = '{"data": {"to_number": "+12025550120", "x": ' + DEEP + "}}"


def _assert_envelope_400(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == "error" and body["error"] == "400"
    assert body["message"] == "invalid request envelope"
    assert "nested deeper than 100 levels" in body["data"]["json"]["invalid"]["message"]


@pytest.mark.parametrize("body", [DEEP, DEEP_ENVELOPE])
def test_deep_json_envelope_is_400(kazoo_login, acme, body):
    account = acme.account.pk
    routes = [
        ("put", "/v2/user_auth"),
        ("put", "/v2/api_auth"),
        ("put", f"/v2/accounts/{account}/faxes"),
        ("put", f"/v2/accounts/{account}/faxboxes"),
        ("post", f"/v2/accounts/{account}/faxboxes/{acme.account.faxboxes.first().pk}"),
    ]
    faxboxes = Faxbox.objects.count()
    for method, path in routes:
        response = getattr(kazoo_login.client, method)(
            path, body, content_type="application/json", **kazoo_login.headers()
        )
        _assert_envelope_400(response)
    assert not Fax.objects.exists() and Faxbox.objects.count() == faxboxes


def test_deep_json_part_of_a_multipart_upload_is_400(kazoo_login, acme):
    from tests.factories import text_pdf

    boundary = "XyZ"
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{DEEP_ENVELOPE}\r\n"
            f"--{boundary}\r\nContent-Type: application/pdf\r\n\r\n"
        ).encode()
        + text_pdf(1)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxes",
        body,
        content_type=f"multipart/mixed; boundary={boundary}",
        **kazoo_login.headers(),
    )
    _assert_envelope_400(response)
    assert not Fax.objects.exists()
