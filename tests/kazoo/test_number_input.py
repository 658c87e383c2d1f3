"""Kazoo fax creation refuses numbers with junk instead of dialling a truncated number."""

from __future__ import annotations

import json

import pytest

from faxes.models import Fax

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("field", ["to_number", "from_number"])
@pytest.mark.parametrize("junk", ["x", ";ext=1", "\u200b"])
def test_numbers_with_junk_are_refused(kazoo_login, acme, acme_faxbox, field, junk):
    data = {"to_number": "+12025550120", "from_number": "+12025550140",
            "document": {"url": "http://127.0.0.1:9/fax.pdf"}}  # fmt: skip
    data[field] += junk
    response = kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxes",
        json.dumps({"data": data}),
        content_type="application/json",
        **kazoo_login.headers(),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["message"] == "validation error"
    assert body["data"], body
    assert not Fax.objects.exists()
