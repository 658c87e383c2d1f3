"""Bad input that used to reach the database or a dict lookup (a 500) is a 400; an
endpoint answering NUL bytes still gets its delivery logged."""

from __future__ import annotations

import json

import pytest

from faxes.models import Fax, WebhookDelivery, WebhookEndpoint
from faxes.services import webhooks
from tests.api_v1.conftest import inbound_fax, outbound_fax
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/faxes", "/api/v1/faxes/sent", "/api/v1/faxes?downloaded=false"]
)
@pytest.mark.parametrize("page", ["99999999999999999999999", "9223372036854775807", "10000001"])
def test_huge_page_is_400_not_a_database_error(acme, path, page):
    inbound_fax(acme.account, files=False)
    outbound_fax(acme.account)
    client = token_client(acme.account)
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}page={page}&limit=100")
    assert response.status_code == 400
    assert response.json() == {
        "error": "bad_request",
        "message": "page must be at most 10000000.",
    }
    assert response["RateLimit-Remaining"]
    last = client.get(f"{path}{sep}page=10000000&limit=100")
    assert last.status_code == 200 and last.json()["data"]["faxes"] == []


def test_huge_page_of_webhook_deliveries_is_400(acme):
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    client = token_client(acme.account, "faxbox:manage")
    response = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries?page=99999999999999999999")
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://hooks.example.com/x", "events": [["fax.received"]]}, "events"),
        ({"url": "https://hooks.example.com/x", "events": [{"a": 1}]}, "events"),
        ({"url": "https://hooks.example.com/x\u0000"}, "url"),
        ({"url": "https://hooks.example.com/x", "description": "a\u0000b"}, "description"),
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_webhook_bad_values_are_400_and_store_nothing(acme, body, field):
    client = token_client(acme.account, "faxbox:manage")
    response = client.post("/api/v1/webhooks", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "bad_request"
    assert field in response.json()["details"]
    assert not WebhookEndpoint.objects.exists()


def test_webhook_update_with_bad_events_keeps_the_endpoint(acme):
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    client = token_client(acme.account, "faxbox:manage")
    response = client.patch(
        f"/api/v1/webhooks/{endpoint.pk}",
        json.dumps({"events": [None], "description": "\u0007"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["details"]) == {"events", "description"}
    endpoint.refresh_from_db()
    assert endpoint.events == ["fax.received", "fax.delivered", "fax.failed"]
    assert endpoint.description == ""


def test_nul_bytes_in_the_endpoints_answer_are_dropped_from_the_log(acme, hook_server):
    hook_server.script = [(500, b"bad\x00answer")]
    webhooks.create_endpoint(acme.account, url=hook_server.url)
    fax = inbound_fax(acme.account, files=False)
    (delivery,) = webhooks.record_status_change(
        fax_id=fax.pk, account_id=fax.account_id, from_status="", to_status="received"
    )
    assert webhooks.deliver(delivery.pk) == "retrying"
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert delivery.last_response == "badanswer" and delivery.last_status_code == 500


@pytest.mark.parametrize("path", ["/api/v1/faxes", "/api/v1/faxes/sent"])
@pytest.mark.parametrize(
    "query",
    [
        "date_from=0001-01-01T00:00:00%2B05:00",  # before year 1 in UTC
        "date_to=9999-12-31T23:00:00-05:00",  # after year 9999 in UTC
        # A cursor for 0001-01-01T00:00:00+05:00 (made up, never one of ours).
        "cursor=MDAwMS0wMS0wMVQwMDowMDowMCswNTowMHxh",
    ],
)
def test_dates_that_have_no_utc_time_are_400(acme, path, query):
    outbound_fax(acme.account)
    response = token_client(acme.account).get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_far_dates_with_offsets_still_filter(acme):
    fax = inbound_fax(acme.account, files=False)
    client = token_client(acme.account)
    wide = "date_from=0001-01-01T00:00:00-05:00&date_to=9999-12-31T00:00:00%2B05:00"
    assert [f["id"] for f in client.get(f"/api/v1/faxes?{wide}").json()["data"]["faxes"]] == [
        fax.pk
    ]


@pytest.mark.parametrize(
    ("scheduled_at", "zone"),
    [
        ("0001-01-01T00:00:00+05:00", None),
        ("9999-12-31T23:00:00-05:00", None),
        ("9999-12-31T23:00:00", None),
        ("9999-12-31T23:00:00", "America/Los_Angeles"),
        ("0001-01-01T00:00:00", None),
    ],
)
def test_scheduled_at_out_of_range_is_400_and_sends_nothing(clinic, scheduled_at, zone):
    body = {
        "to": "+14155551234",
        "media_url": "https://docs.example.com/a.pdf",
        "scheduled_at": scheduled_at,
    }
    if zone:
        body["timezone"] = zone
    client = token_client(clinic.account)
    response = client.post("/api/v1/faxes/send", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "scheduled_at is out of range."}
    assert not Fax.objects.exists()


def test_scheduled_at_far_but_in_range_is_scheduled(clinic):
    body = {
        "to": "+14155551234",
        "media_url": "https://docs.example.com/a.pdf",
        "scheduled_at": "9998-12-31T23:00:00",
        "timezone": "Pacific/Kiritimati",
    }
    response = token_client(clinic.account).post(
        "/api/v1/faxes/send", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["fax"]["status"] == "scheduled"
