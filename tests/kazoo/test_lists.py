"""Crossbar list conventions on the fax folders: keyset pages, order, ranges, filters."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from faxes.api.kazoo.public import gregorian
from faxes.models import Attempt, Fax
from tests.factories import FaxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(acme):
    faxbox = acme.account.faxboxes.first()
    now = timezone.now()
    faxes = []
    for n in range(7):
        fax = FaxFactory(account=acme.account, faxbox=faxbox, from_number=f"+1202555{n:04d}")
        Fax.objects.filter(pk=fax.pk).update(created_at=now - timedelta(minutes=n))
        faxes.append(fax.pk)
    return faxes  # newest first


def ids(body):
    return [row["id"].split("-", 1)[1] for row in body["data"]]


def test_newest_first_with_keyset_pages(kazoo_login, acme, inbox):
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    status, first = kazoo_login.json("GET", f"{url}?page_size=3")
    assert status == 200 and ids(first) == inbox[:3]
    assert first["page_size"] == 3 and first["next_start_key"]
    second = kazoo_login.json("GET", f"{url}?page_size=3&start_key={first['next_start_key']}")[1]
    assert ids(second) == inbox[3:6] and second["start_key"] == first["next_start_key"]
    # A fax arriving meanwhile does not shift the pages already handed out.
    FaxFactory(account=acme.account, faxbox=acme.account.faxboxes.first())
    third = kazoo_login.json("GET", f"{url}?page_size=3&start_key={second['next_start_key']}")[1]
    assert ids(third) == inbox[6:] and "next_start_key" not in third


def test_default_page_size_is_50(kazoo_login, acme, inbox):
    body = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxes/inbox")[1]
    assert body["page_size"] == 7 and "next_start_key" not in body


def test_paginate_false_and_ascending(kazoo_login, acme, inbox):
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    body = kazoo_login.json("GET", f"{url}?paginate=false")[1]
    assert ids(body) == inbox and "page_size" not in body and "start_key" not in body
    assert ids(kazoo_login.json("GET", f"{url}?ascending=true")[1]) == inbox[::-1]
    assert ids(kazoo_login.json("GET", f"{url}?descending=false")[1]) == inbox[::-1]
    asc = kazoo_login.json("GET", f"{url}?ascending=true&page_size=4")[1]
    rest = kazoo_login.json(
        "GET", f"{url}?ascending=true&page_size=4&start_key={asc['next_start_key']}"
    )[1]
    assert ids(asc) + ids(rest) == inbox[::-1]


def test_created_range(kazoo_login, acme, inbox):
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    now = gregorian(timezone.now())
    recent = kazoo_login.json("GET", f"{url}?created_from={now - 150}&created_to={now}")[1]
    assert ids(recent) == inbox[:3]
    old = Fax.objects.get(pk=inbox[-1])
    Fax.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    default = kazoo_login.json("GET", url)[1]
    assert old.pk not in ids(default)  # outside the default 31-day window
    status, body = kazoo_login.json("GET", f"{url}?created_from={now - 2682001}&created_to={now}")
    assert status == 400
    assert body["data"]["created_from"]["date_range"]["cause"] == now - 2682001
    assert kazoo_login.json("GET", f"{url}?created_from={now}&created_to={now - 10}")[0] == 400
    assert kazoo_login.json("GET", f"{url}?created_from=soon")[0] == 400


def test_filters(kazoo_login, acme, inbox):
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    one = kazoo_login.json("GET", f"{url}?filter_from_number=%2B12025550002")[1]
    assert ids(one) == [inbox[2]]
    others = kazoo_login.json("GET", f"{url}?filter_not_from_number=%2B12025550002")[1]
    assert inbox[2] not in ids(others) and len(ids(others)) == 6
    assert ids(kazoo_login.json("GET", f"{url}?filter_folder=inbox")[1]) == inbox
    assert kazoo_login.json("GET", f"{url}?filter_folder=outbox")[1]["data"] == []
    assert ids(kazoo_login.json("GET", f"{url}?has_key=rx_result")[1]) == inbox
    assert kazoo_login.json("GET", f"{url}?key_missing=folder")[1]["data"] == []
    # A document filter that drops rows still fills the page.
    Fax.objects.filter(pk__in=inbox[:4]).update(remote_station_id="MATCH")
    paged = kazoo_login.json("GET", f"{url}?filter_remote_station_id=MATCH&page_size=2")[1]
    assert ids(paged) == inbox[:2] and paged["next_start_key"]


@pytest.mark.parametrize("size", ["0", "-3", "abc", "", "1.5"])
def test_unusable_page_size_is_the_default_50(kazoo_login, acme, size):
    # Crossbar's cb_context:pagination_page_size falls back to 50 instead of refusing.
    faxbox = acme.account.faxboxes.first()
    for _ in range(52):
        FaxFactory(account=acme.account, faxbox=faxbox)
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    status, body = kazoo_login.json("GET", f"{url}?page_size={size}")
    assert status == 200, body
    assert body["page_size"] == 50 and len(body["data"]) == 50 and body["next_start_key"]


def test_huge_page_size_is_capped_silently(kazoo_login, acme, inbox):
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    status, body = kazoo_login.json("GET", f"{url}?page_size=99999999999999999999999")
    assert status == 200 and ids(body) == inbox and "next_start_key" not in body


@pytest.mark.parametrize("key", ["%%%", "not-a-key", "WyJub3QgYSBkYXRlIiwgIngiXQ", "63900000000"])
def test_unreadable_start_key_is_no_error(kazoo_login, acme, inbox, key):
    # api_util:decode_start_key keeps an undecodable key as it is instead of failing:
    # it marks no position here, so the list starts at the top.
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    status, body = kazoo_login.json("GET", f"{url}?page_size=3&start_key={key}")
    assert status == 200, body
    assert ids(body) == inbox[:3] and body["next_start_key"]


@pytest.mark.parametrize("folder", ["inbox", "outbox", "outgoing", "smtplog", ""])
def test_list_queries_do_not_grow_with_page_size(
    kazoo_login, acme, folder, django_assert_max_num_queries
):
    faxbox = acme.account.faxboxes.first()
    for n in range(30):
        direction = "inbound" if folder == "inbox" else "outbound"
        status = {"inbox": "received", "outbox": "delivered", "outgoing": "queued"}.get(
            folder, "delivered"
        )
        fax = FaxFactory(account=acme.account, faxbox=faxbox, direction=direction, status=status)
        Attempt.objects.create(
            fax=fax,
            account=acme.account,
            number=1,
            transport="loopback",
            started_at=timezone.now(),
            success=True,
            pages_sent=1,
        )
        if n == 0:
            first = fax
    url = f"/v2/accounts/{acme.account.pk}/faxes/{folder}".rstrip("/")
    kazoo_login.json("GET", url)  # warm the session lookup path
    counts = []
    for size in (1, 30):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert kazoo_login.json("GET", f"{url}?page_size={size}")[0] == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(8):
        kazoo_login.json("GET", f"{url}?page_size=30")
    assert first


def test_start_keys_handed_out_before_the_shared_cursor_still_work(kazoo_login, acme, inbox):
    # base64url of the JSON [created_at, id], as /v2 always spelt next_start_key.
    fourth = Fax.objects.get(pk=inbox[3])
    raw = json.dumps([fourth.created_at.isoformat(), fourth.pk]).encode()
    key = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    first = kazoo_login.json("GET", f"{url}?page_size=3")[1]
    assert first["next_start_key"] == key
    status, body = kazoo_login.json("GET", f"{url}?page_size=3&start_key={key}")
    assert status == 200 and ids(body) == inbox[3:6] and body["start_key"] == key
