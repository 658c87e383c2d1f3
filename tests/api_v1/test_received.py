"""GET /api/v1/faxes, /faxes/{id}, /download and /downloaded: the reference's routes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from faxes.models import AuditEvent, DownloadMark, FaxStatus
from tests.api_v1.conftest import PDF, TIFF_BYTES, inbound_fax, outbound_fax
from tests.api_v1.reference import FAX_DETAIL, FAX_LIST, MARKED, UNMARKED, assert_shape
from tests.conftest import session_client, token_client

pytestmark = pytest.mark.django_db
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_list_has_the_reference_shape(acme):
    fax = inbound_fax(acme.account, remote_station_id="877-233-3839", from_number="+18772333839")
    response = token_client(acme.account, "fax:read").get("/api/v1/faxes?page=1&limit=10")
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, FAX_LIST)
    item = body["data"]["faxes"][0]
    assert item["id"] == fax.pk
    assert item["from"] == "+18772333839"
    assert item["pages"] == "1"
    assert item["status"] == "received"
    assert item["file_size"] == len(PDF)
    assert item["has_tiff"] is True and item["tiff_file_size"] == len(TIFF_BYTES)
    assert item["downloaded"] is False and item["downloaded_at"] is None
    assert STAMP.match(item["received_at"])
    assert body["pagination"] == {
        "page": 1,
        "limit": 10,
        "total": 1,
        "total_pages": 1,
        "next_cursor": None,
    }


def test_list_shows_only_inbound_faxes_of_own_account_newest_first(acme, other):
    old = inbound_fax(acme.account, minutes_ago=10)
    new = inbound_fax(acme.account, minutes_ago=1)
    outbound_fax(acme.account)
    inbound_fax(other.account)
    faxes = token_client(acme.account).get("/api/v1/faxes").json()["data"]["faxes"]
    assert [f["id"] for f in faxes] == [new.pk, old.pk]


def test_list_defaults_and_limit_cap(acme):
    for minute in range(25):
        inbound_fax(acme.account, minutes_ago=minute, files=False)
    client = token_client(acme.account)
    body = client.get("/api/v1/faxes").json()
    assert len(body["data"]["faxes"]) == 20
    assert body["pagination"]["page"] == 1 and body["pagination"]["limit"] == 20
    assert body["pagination"]["total"] == 25 and body["pagination"]["total_pages"] == 2
    second = client.get("/api/v1/faxes?page=2").json()
    assert len(second["data"]["faxes"]) == 5 and second["pagination"]["next_cursor"] is None
    capped = client.get("/api/v1/faxes?limit=500").json()["pagination"]
    assert capped["limit"] == 100
    beyond = client.get("/api/v1/faxes?page=9").json()
    assert beyond["data"]["faxes"] == [] and beyond["pagination"]["total"] == 25


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=x",
        "limit=0",
        "limit=-3",
        "status=bogus",
        "date_from=yesterday",
        "date_to=2026-13-45",
        "downloaded=maybe",
        "cursor=%%%",
        "from=" + "1" * 40,
    ],
)
def test_bad_list_parameters_are_400(acme, query):
    response = token_client(acme.account).get(f"/api/v1/faxes?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["message"]


def test_filter_from_is_a_partial_match(acme):
    wanted = inbound_fax(acme.account, from_number="+18772333839")
    inbound_fax(acme.account, from_number="+12025550111")
    client = token_client(acme.account)
    faxes = client.get("/api/v1/faxes?from=7723").json()["data"]["faxes"]
    assert [f["id"] for f in faxes] == [wanted.pk]
    # An unencoded "+" arrives as a space; it still finds the fax.
    faxes = client.get("/api/v1/faxes?from=+1877").json()["data"]["faxes"]
    assert [f["id"] for f in faxes] == [wanted.pk]


def test_filter_status(acme):
    received = inbound_fax(acme.account)
    inbound_fax(acme.account, status=FaxStatus.RECEIVING)
    faxes = token_client(acme.account).get("/api/v1/faxes?status=received").json()
    assert [f["id"] for f in faxes["data"]["faxes"]] == [received.pk]


def test_filter_dates(acme):
    now = timezone.now()
    old = inbound_fax(acme.account, minutes_ago=3 * 24 * 60)
    new = inbound_fax(acme.account, minutes_ago=5)
    client = token_client(acme.account)
    since = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [
        f["id"] for f in client.get(f"/api/v1/faxes?date_from={since}").json()["data"]["faxes"]
    ] == [new.pk]
    until = (now - timedelta(days=2)).date().isoformat()
    assert [
        f["id"] for f in client.get(f"/api/v1/faxes?date_to={until}").json()["data"]["faxes"]
    ] == [old.pk]


def test_detail_has_the_reference_shape(acme):
    fax = inbound_fax(acme.account, remote_station_id="877-233-3839", from_number="+18772333839")
    response = token_client(acme.account, "fax:read").get(f"/api/v1/faxes/{fax.pk}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert_shape(response.json(), FAX_DETAIL)
    assert data["media_url"] == f"http://testserver/api/v1/faxes/{fax.pk}/download"
    assert re.match(
        r"^fax_\+18772333839_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.pdf$", data["filename"]
    )
    assert data["tiff_filename"] == data["filename"][:-4] + ".tiff"
    assert list(data)[-2:] == ["downloaded", "downloaded_at"]


def test_detail_of_outbound_or_foreign_or_unknown_fax_is_404(acme, other):
    client = token_client(acme.account)
    for fax_id in (outbound_fax(acme.account).pk, inbound_fax(other.account).pk, "nope", "a" * 40):
        response = client.get(f"/api/v1/faxes/{fax_id}")
        assert response.status_code == 404, fax_id
        assert response.json() == {"error": "not_found", "message": "Not found."}


def test_download_pdf_and_tiff_mark_the_fax_for_the_token(acme):
    fax = inbound_fax(acme.account, from_number="+18772333839")
    client = token_client(acme.account, "fax:read")
    response = client.get(f"/api/v1/faxes/{fax.pk}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert re.match(
        r'^attachment; filename="fax_\+18772333839_.*\.pdf"$', response["Content-Disposition"]
    )
    tiff = client.get(f"/api/v1/faxes/{fax.pk}/download?format=tiff")
    assert tiff["Content-Type"] == "image/tiff"
    assert b"".join(tiff.streaming_content) == TIFF_BYTES
    assert tiff["Content-Disposition"].endswith('.tiff"')
    detail = client.get(f"/api/v1/faxes/{fax.pk}").json()["data"]
    assert detail["downloaded"] is True and STAMP.match(detail["downloaded_at"])
    assert AuditEvent.objects.filter(fax=fax, action="fax.downloaded").count() == 2


def test_download_with_accept_header_for_pdf_works(acme):
    fax = inbound_fax(acme.account)
    response = token_client(acme.account).get(
        f"/api/v1/faxes/{fax.pk}/download", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200


def test_download_errors(acme):
    client = token_client(acme.account)
    fax = inbound_fax(acme.account)
    assert client.get(f"/api/v1/faxes/{fax.pk}/download?format=gif").status_code == 400
    bare = inbound_fax(acme.account, files=False)
    response = client.get(f"/api/v1/faxes/{bare.pk}/download?format=tiff")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    purged = inbound_fax(acme.account, attachment_purged_at=timezone.now())
    response = client.get(f"/api/v1/faxes/{purged.pk}/download")
    assert response.status_code == 404
    assert "retention" in response.json()["message"]
    listed = client.get("/api/v1/faxes").json()["data"]["faxes"]
    shown = {f["id"]: f for f in listed}[purged.pk]
    assert shown["file_size"] is None and shown["has_tiff"] is False


def test_mark_and_unmark_have_the_reference_shape(acme):
    fax = inbound_fax(acme.account)
    client = token_client(acme.account, "fax:read")
    marked = client.patch(f"/api/v1/faxes/{fax.pk}/downloaded")
    assert marked.status_code == 200
    assert_shape(marked.json(), MARKED)
    assert marked.json()["data"]["id"] == fax.pk and marked.json()["data"]["downloaded"] is True
    unmarked = client.delete(f"/api/v1/faxes/{fax.pk}/downloaded")
    assert unmarked.status_code == 200
    assert unmarked.json() == {"data": {"id": fax.pk, "downloaded": False, "downloaded_at": None}}
    assert_shape(unmarked.json(), UNMARKED)
    assert not DownloadMark.objects.filter(fax=fax).exists()


def test_download_tracking_is_per_token(acme):
    first, second = inbound_fax(acme.account, minutes_ago=2), inbound_fax(acme.account)
    vendor_a = token_client(acme.account, "fax:read")
    vendor_b = token_client(acme.account, "fax:read")
    vendor_a.get(f"/api/v1/faxes/{first.pk}/download")
    vendor_b.patch(f"/api/v1/faxes/{second.pk}/downloaded")

    def ids(client, downloaded):
        body = client.get(f"/api/v1/faxes?downloaded={downloaded}").json()
        return [f["id"] for f in body["data"]["faxes"]]

    assert ids(vendor_a, "false") == [second.pk]
    assert ids(vendor_a, "true") == [first.pk]
    assert ids(vendor_b, "false") == [first.pk]
    assert ids(vendor_b, "true") == [second.pk]
    # Token A resetting its flag leaves B's alone.
    vendor_a.delete(f"/api/v1/faxes/{first.pk}/downloaded")
    assert ids(vendor_a, "false") == [second.pk, first.pk]
    assert ids(vendor_b, "true") == [second.pk]


def test_session_users_read_but_have_no_download_flag(acme):
    fax = inbound_fax(acme.account)
    client = session_client(acme.viewer)
    assert client.get("/api/v1/faxes").json()["data"]["faxes"][0]["downloaded"] is False
    assert client.get(f"/api/v1/faxes/{fax.pk}/download").status_code == 200
    assert client.get("/api/v1/faxes?downloaded=false").status_code == 400
    assert client.patch(f"/api/v1/faxes/{fax.pk}/downloaded").status_code == 400
    assert not DownloadMark.objects.exists()


def test_trailing_slash_works_like_express(acme):
    inbound_fax(acme.account)
    response = token_client(acme.account).get("/api/v1/faxes/")
    assert response.status_code == 200 and len(response.json()["data"]["faxes"]) == 1


def test_unknown_api_path_is_json_404(acme):
    response = token_client(acme.account).get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not found."}


def test_unexpected_errors_are_the_contracts_500(acme, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("faxes.api.v1.presenters.sizes_for", broken)
    inbound_fax(acme.account)
    response = token_client(acme.account).get("/api/v1/faxes")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "Server error."}
    assert response["RateLimit-Limit"] == "100"
