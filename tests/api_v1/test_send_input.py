"""Numbers with junk or invisible characters and schedules in the past are refused with a
message, not truncated or sent at once; a schedule outside the calendar is a 400, a far one
in range is scheduled."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from faxes.models import Fax, FaxStatus
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/faxes/send"
DOC = "https://docs.example.com/a.pdf"


def send(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("+15005550010x", "not 'x'"),
        ("+14155551234;ext=1", "not ';'"),
        ("+1415555123A", "not 'A'"),
        ("+1-800-FLOWERS", "not 'F'"),
        ("+1415\u200b5551234", "invisible character (U+200B, Zero Width Space)"),
        ("\ufeff+14155551234", "invisible character (U+FEFF"),
    ],
)
def test_numbers_with_junk_are_refused_with_a_message(clinic, number, message):
    response = send(token_client(clinic.account, "fax:send"), {"to": number, "media_url": DOC})
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "bad_request"
    assert response.json()["message"].startswith("to: ")
    assert message in response.json()["message"], response.json()
    assert not Fax.objects.exists()


def test_junk_in_the_sender_number_is_refused(clinic):
    response = send(
        token_client(clinic.account, "fax:send"),
        {"to": "+14155551234", "from": "+12025550110x", "media_url": DOC},
    )
    assert response.status_code == 400 and "from:" in response.json()["message"]


def test_written_numbers_still_work(clinic):
    client = token_client(clinic.account, "fax:send")
    response = send(client, {"to": "+1 (415) 555-1234", "media_url": DOC})
    assert response.status_code == 200, response.content
    assert response.json()["fax"]["to"] == "+14155551234"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_scheduled_at_in_the_past_is_refused(clinic):
    client = token_client(clinic.account, "fax:send")
    past = datetime.now(UTC) - timedelta(hours=2)
    response = send(client, {"to": "+14155551234", "media_url": DOC, "scheduled_at": _stamp(past)})
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("scheduled_at: ")
    assert "is in the past" in response.json()["message"]
    assert not Fax.objects.exists()


def test_a_little_clock_skew_means_now(clinic, settings):
    settings.FAXPORTAL_SCHEDULE_PAST_TOLERANCE = 300
    client = token_client(clinic.account, "fax:send")
    skewed = datetime.now(UTC) - timedelta(seconds=60)
    response = send(
        client, {"to": "+14155551234", "media_url": DOC, "scheduled_at": _stamp(skewed)}
    )
    assert response.status_code == 200, response.content
    assert Fax.objects.get().status == FaxStatus.QUEUED
    settings.FAXPORTAL_SCHEDULE_PAST_TOLERANCE = 0
    response = send(
        client, {"to": "+14155551234", "media_url": DOC, "scheduled_at": _stamp(skewed)}
    )
    assert response.status_code == 400


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
