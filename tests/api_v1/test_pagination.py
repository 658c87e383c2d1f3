"""Cursor paging beside page/limit, list queries that do not grow with the page size, and
page numbers too large for the database refused with a 400."""

from __future__ import annotations

import base64

import pytest
from django.core.files.base import ContentFile

from faxes.models import DocumentPart, FaxDocument
from tests.api_v1.conftest import inbound_fax, outbound_fax
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


def test_cursor_walks_every_fax_once_even_while_new_ones_arrive(acme):
    faxes = [inbound_fax(acme.account, minutes_ago=minute, files=False) for minute in range(7)]
    client = token_client(acme.account)
    first = client.get("/api/v1/faxes?limit=3").json()
    seen = [f["id"] for f in first["data"]["faxes"]]
    cursor = first["pagination"]["next_cursor"]
    inbound_fax(acme.account, files=False)  # would shift page 2 of page/limit paging
    while cursor:
        page = client.get(f"/api/v1/faxes?limit=3&cursor={cursor}").json()
        assert set(page["pagination"]) == {"limit", "cursor", "next_cursor"}
        seen += [f["id"] for f in page["data"]["faxes"]]
        cursor = page["pagination"]["next_cursor"]
    assert seen == [fax.pk for fax in faxes]


def test_cursor_keeps_filters_and_breaks_ties_by_id(acme):
    batch = [inbound_fax(acme.account, files=False) for _ in range(4)]
    for fax in batch:  # the same instant: order falls back to the id
        type(fax).objects.filter(pk=fax.pk).update(created_at=batch[0].created_at)
    inbound_fax(acme.account, from_number="+13125550000", files=False)
    client = token_client(acme.account)
    ids = []
    url = "/api/v1/faxes?limit=1&from=2025550199"
    while url:
        body = client.get(url).json()
        ids += [f["id"] for f in body["data"]["faxes"]]
        cursor = body["pagination"]["next_cursor"]
        url = f"/api/v1/faxes?limit=1&from=2025550199&cursor={cursor}" if cursor else None
    assert sorted(ids) == sorted(f.pk for f in batch) and len(ids) == 4


@pytest.mark.parametrize("cursor", ["abc", "bm90LWEtY3Vyc29y", "MjAyNi0wMS0wMQ"])
def test_bad_cursor_is_400(acme, cursor):
    response = token_client(acme.account).get(f"/api/v1/faxes?cursor={cursor}")
    assert response.status_code == 400 and "cursor" in response.json()["message"]


def test_cursors_handed_out_before_the_shared_cursor_still_page(acme):
    # base64url of "<created_at>|<id>", as /api/v1 always spelt next_cursor.
    faxes = [inbound_fax(acme.account, minutes_ago=minute, files=False) for minute in range(4)]
    raw = f"{faxes[1].created_at.isoformat()}|{faxes[1].pk}".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    client = token_client(acme.account)
    assert client.get("/api/v1/faxes?limit=2").json()["pagination"]["next_cursor"] == cursor
    body = client.get(f"/api/v1/faxes?limit=2&cursor={cursor}").json()
    assert [f["id"] for f in body["data"]["faxes"]] == [faxes[2].pk, faxes[3].pk]


def _inbound(account, count):
    for minute in range(count):
        inbound_fax(account, minutes_ago=minute)


def _outbound(account, count):
    for minute in range(count):
        fax = outbound_fax(account, minutes_ago=minute)
        document = FaxDocument.objects.create(account=account)
        part = DocumentPart(document=document, account=account, position=0, filename="a.pdf")
        part.file.save("a.pdf", ContentFile(b"%PDF-1.4"), save=False)
        part.save()
        type(fax).objects.filter(pk=fax.pk).update(source=document)


# token lookup, page, count, the token's marks of the page (received faxes only); deep pages
# fetch ids first, then their rows (one more). The last-used write happens once, before.
@pytest.mark.parametrize(
    ("path", "make", "queries"),
    [
        ("/api/v1/faxes?limit={n}", _inbound, 4),
        ("/api/v1/faxes?limit={n}&downloaded=false", _inbound, 4),
        ("/api/v1/faxes?limit={n}&page=2", _inbound, 5),
        ("/api/v1/faxes?limit={n}&cursor={cursor}", _inbound, 3),
        ("/api/v1/faxes/sent?limit={n}", _outbound, 3),
        ("/api/v1/faxes/sent?limit={n}&page=2", _outbound, 4),
    ],
)
def test_list_queries_do_not_grow_with_the_page(
    acme, django_assert_max_num_queries, monkeypatch, path, make, queries
):
    monkeypatch.setattr("faxes.api.v1.pagination.DEFERRED_JOIN_OFFSET", 1)  # page 2 is "deep"
    make(acme.account, 40)
    client = token_client(acme.account)
    cursor = client.get("/api/v1/faxes/sent?limit=1").json()["pagination"]["next_cursor"]
    cursor = cursor or client.get("/api/v1/faxes?limit=1").json()["pagination"]["next_cursor"]
    for size in (2, 10, 15):
        with django_assert_max_num_queries(queries):
            response = client.get(path.format(n=size, cursor=cursor))
        assert response.status_code == 200
        assert len(response.json()["data"]["faxes"]) == size


def test_deep_pages_match_shallow_ones(acme, monkeypatch):
    _inbound(acme.account, 12)
    client = token_client(acme.account)
    shallow = client.get("/api/v1/faxes?limit=5&page=2").json()
    monkeypatch.setattr("faxes.api.v1.pagination.DEFERRED_JOIN_OFFSET", 1)
    deep = client.get("/api/v1/faxes?limit=5&page=2").json()
    assert deep == shallow and len(deep["data"]["faxes"]) == 5


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
