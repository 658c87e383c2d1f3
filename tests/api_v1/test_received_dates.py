"""The received list's date filters use the time it shows (received_at), to its precision;
marking a fax downloaded again keeps the first downloaded_at; dates (and cursors) that have no
UTC time are a 400 on both lists, far ones in range still filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from faxes.models import DownloadMark, Fax
from tests.api_v1.conftest import inbound_fax, outbound_fax
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


def _ids(client, query: str, path: str = "/api/v1/faxes") -> list[str]:
    answer = client.get(f"{path}?{query}")
    assert answer.status_code == 200, answer.content
    return [f.get("id") for f in answer.json()["data"]["faxes"]]


def test_date_to_of_a_faxs_own_received_at_includes_it(acme):
    fax = inbound_fax(acme.account)
    # Stored with microseconds; shown to the millisecond.
    moment = timezone.now().replace(microsecond=308_512) - timedelta(hours=1)
    Fax.objects.filter(pk=fax.pk).update(completed_at=moment)
    client = token_client(acme.account)
    shown = client.get("/api/v1/faxes").json()["data"]["faxes"][0]["received_at"]
    assert shown.endswith(".308Z")
    assert _ids(client, f"date_to={shown}") == [fax.pk]
    assert _ids(client, f"date_from={shown}") == [fax.pk]
    assert _ids(client, f"date_to={shown[:-5]}Z") == [fax.pk]  # to the second
    assert _ids(client, f"date_to={shown[:-8]}Z") == [fax.pk]  # to the minute
    one_ms_before = (moment - timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    assert _ids(client, f"date_to={one_ms_before}Z") == []


def test_dates_filter_on_received_at_not_on_creation(acme):
    # Ringing began before midnight; the fax was complete after it. The list shows the
    # completion time, so a filter from midnight must find it.
    fax = inbound_fax(acme.account)
    created = timezone.now().replace(hour=23, minute=59, second=0, microsecond=0) - timedelta(
        days=2
    )
    completed = created + timedelta(minutes=3)
    Fax.objects.filter(pk=fax.pk).update(created_at=created, completed_at=completed)
    client = token_client(acme.account)
    midnight = completed.date().isoformat()
    assert _ids(client, f"date_from={midnight}") == [fax.pk]
    assert _ids(client, f"date_to={midnight}") == []
    # While still receiving (no completion yet), received_at is the creation time.
    Fax.objects.filter(pk=fax.pk).update(completed_at=None)
    assert _ids(client, f"date_to={midnight}") == [fax.pk]


def test_sent_list_dates_still_use_sent_at(acme):
    sent = outbound_fax(acme.account, minutes_ago=60)
    client = token_client(acme.account)
    shown = client.get("/api/v1/faxes/sent").json()["data"]["faxes"][0]["sent_at"]
    assert _ids(client, f"date_to={shown}", "/api/v1/faxes/sent") == [sent.pk]


def test_marking_again_keeps_the_first_downloaded_at(acme):
    fax = inbound_fax(acme.account)
    client = token_client(acme.account, "fax:read")
    assert client.patch(f"/api/v1/faxes/{fax.pk}/downloaded").status_code == 200
    first = timezone.now().replace(microsecond=0) - timedelta(hours=5)
    DownloadMark.objects.filter(fax=fax).update(downloaded_at=first)
    shown = first.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    again = client.patch(f"/api/v1/faxes/{fax.pk}/downloaded").json()["data"]
    assert again["downloaded"] is True and again["downloaded_at"] == shown
    assert client.get(f"/api/v1/faxes/{fax.pk}/download").status_code == 200
    listed = client.get("/api/v1/faxes").json()["data"]["faxes"][0]
    assert listed["downloaded_at"] == shown
    assert client.get(f"/api/v1/faxes/{fax.pk}").json()["data"]["downloaded_at"] == shown


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
