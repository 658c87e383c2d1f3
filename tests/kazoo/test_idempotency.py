"""Kazoo fax creation honours Idempotency-Key the same way: another request is a 422 envelope."""

from __future__ import annotations

import json

import pytest

from faxes.models import Fax

pytestmark = pytest.mark.django_db(transaction=True)


def create(kazoo_login, acme, to_number: str, key: str):
    data = {"to_number": to_number, "from_number": "+12025550140",
            "document": {"url": "http://127.0.0.1:9/fax.pdf"}}  # fmt: skip
    return kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxes",
        json.dumps({"data": data}),
        content_type="application/json",
        **kazoo_login.headers({"HTTP_IDEMPOTENCY_KEY": key}),
    )


def test_same_key_replays_and_another_request_is_422(kazoo_login, acme, acme_faxbox):
    first = create(kazoo_login, acme, "+12025550120", "job-1")
    assert first.status_code == 201, first.content
    again = create(kazoo_login, acme, "+12025550120", "job-1")
    assert again.status_code == 201
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    changed = create(kazoo_login, acme, "+12025550121", "job-1")
    assert changed.status_code == 422, changed.content
    body = changed.json()
    assert body["status"] == "error" and body["error"] == "422"
    assert body["message"] == "idempotency key reused"
    assert "different request" in body["data"]["message"]
    assert Fax.objects.count() == 1
