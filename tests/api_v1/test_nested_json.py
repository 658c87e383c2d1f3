"""Deeply nested JSON bodies are a 400 in the API's error shape, on every JSON route."""

from __future__ import annotations

import pytest

from faxes.models import Fax, WebhookEndpoint
from faxes.services import webhooks
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

# 5,000 levels in 10 KB: json.loads alone raises RecursionError on this.
DEEP_ARRAY = "[" * 5000 + "]" * 5000
DEEP_IN_A_FIELD = '{"to": "+14155551234", "media_url": ' + DEEP_ARRAY + "}"
# Just past the limit: parses, but deeper than any request the API understands.
JUST_TOO_DEEP = '{"to": ' + "[" * 100 + "]" * 100 + "}"


def _routes(account):
    endpoint, _ = webhooks.create_endpoint(account, url="https://hooks.example.com/x")
    return [
        ("post", "/api/v1/faxes/send"),
        ("post", "/api/v1/webhooks"),
        ("patch", f"/api/v1/webhooks/{endpoint.pk}"),
        ("post", f"/api/v1/webhooks/{endpoint.pk}/rotate-secret"),
    ]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_IN_A_FIELD, JUST_TOO_DEEP])
def test_deep_json_is_400_on_every_json_route(acme, body):
    client = token_client(acme.account, "fax:read,fax:send,faxbox:manage")
    for method, path in _routes(acme.account):
        response = getattr(client, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        answer = response.json()
        assert answer["error"] == "bad_request", path
        assert "nested deeper than 100 levels" in answer["message"], answer
    assert not Fax.objects.exists()
    assert WebhookEndpoint.objects.count() == 1


def test_ordinary_nesting_still_works(acme):
    client = token_client(acme.account, "fax:send")
    body = (
        '{"to": "+14155551234", "media_url": "https://docs.example.com/a.pdf", '
        '"cover": {"subject": "Hi"}}'
    )
    response = client.post("/api/v1/faxes/send", body, content_type="application/json")
    assert response.status_code == 200, response.content
