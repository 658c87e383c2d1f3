"""Inbox and outbox: what is listed, filters, read state, keyset pagination, polling,
constant query count, the index is used, the unread count in the title and sidebar, times
in the account's zone and the browser's clock format."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from faxes.models import Contact, Fax, FaxRead, FaxStatus
from tests.factories import FaxboxFactory, FaxFactory, FaxNumberFactory
from tests.ui.conftest import login, outbound, received

pytestmark = pytest.mark.django_db


def row_ids(response) -> list[str]:
    return re.findall(r'id="fax-([0-9a-f]{32})"', response.content.decode())


def make_inbound(faxbox, count: int, start: datetime | None = None, **fields) -> list[Fax]:
    """Faxes one minute apart, the last one newest (created_at is set explicitly)."""
    start = start or timezone.now() - timedelta(days=1)
    faxes = []
    for n in range(count):
        fax = FaxFactory(faxbox=faxbox, account=faxbox.account, **fields)
        Fax.objects.filter(pk=fax.pk).update(created_at=start + timedelta(minutes=n))
        faxes.append(fax)
    return faxes


def test_inbox_lists_received_faxes_of_the_account_newest_first(acme, acme_box, other):
    mine = make_inbound(acme_box, 3)
    FaxFactory(faxbox=acme_box, account=acme.account, direction="outbound", status="delivered")
    deleted = FaxFactory(faxbox=acme_box, account=acme.account, deleted_at=timezone.now())
    foreign = FaxFactory(faxbox=other.account.faxboxes.first(), account=other.account)
    ids = row_ids(login(acme.viewer).get(reverse("inbox")))
    assert ids == [f.pk for f in reversed(mine)]
    assert deleted.pk not in ids and foreign.pk not in ids


def test_read_state_is_per_user(acme, acme_box, inbound_fax):
    bob, alice = login(acme.viewer), login(acme.admin)
    assert 'class="fax-row unread"' in bob.get(reverse("inbox")).content.decode()
    bob.get(reverse("fax-detail", args=[inbound_fax.pk]))
    assert FaxRead.objects.filter(fax=inbound_fax, user=acme.viewer).exists()
    assert 'class="fax-row unread"' not in bob.get(reverse("inbox")).content.decode()
    assert 'class="fax-row unread"' in alice.get(reverse("inbox")).content.decode()
    unread_only = bob.get(reverse("inbox"), {"unread": "on"})
    assert row_ids(unread_only) == []
    bob.post(reverse("fax-mark", args=[inbound_fax.pk]), {"read": "0"})
    assert row_ids(bob.get(reverse("inbox"), {"unread": "on"})) == [inbound_fax.pk]


def test_inbox_filters(acme, acme_box):
    second = FaxboxFactory(account=acme.account, name="Lab line")
    FaxNumberFactory(faxbox=second, account=acme.account, number="+12025550141")
    a = FaxFactory(
        faxbox=acme_box,
        account=acme.account,
        from_number="+13125550147",
        remote_station_id="CITY LAB",
    )
    b = FaxFactory(faxbox=second, account=acme.account, from_number="+14155550123")
    client = login(acme.viewer)
    assert row_ids(client.get(reverse("inbox"), {"faxbox": second.pk})) == [b.pk]
    assert row_ids(client.get(reverse("inbox"), {"sender": "(312) 555-0147"})) == [a.pk]
    assert row_ids(client.get(reverse("inbox"), {"sender": "0123"})) == [b.pk]
    assert row_ids(client.get(reverse("inbox"), {"q": "city lab"})) == [a.pk]
    assert row_ids(client.get(reverse("inbox"), {"q": "415555"})) == [b.pk]
    # Another account's faxbox is not a valid choice: reported, and ignored.
    response = client.get(reverse("inbox"), {"faxbox": "f" * 32})
    assert response.status_code == 400 and "valid choice" in response.content.decode()


def test_date_range_is_read_in_the_account_time_zone(acme, acme_box):
    acme.account.timezone = "Asia/Tokyo"
    acme.account.save()
    # 2025-03-01 23:30 UTC is already March 2nd in Tokyo.
    late = make_inbound(acme_box, 1, start=datetime(2025, 3, 1, 23, 30, tzinfo=UTC))[0]
    client = login(acme.viewer)
    on_2nd = client.get(reverse("inbox"), {"date_from": "2025-03-02", "date_to": "2025-03-02"})
    assert row_ids(on_2nd) == [late.pk]
    assert "Mar 2, 2025" in on_2nd.content.decode() and "08:30" in on_2nd.content.decode()
    assert row_ids(client.get(reverse("inbox"), {"date_to": "2025-03-01"})) == []
    backwards = client.get(reverse("inbox"), {"date_from": "2025-03-02", "date_to": "2025-03-01"})
    assert backwards.status_code == 400 and "before the start date" in backwards.content.decode()


def test_keyset_pages_walk_forwards_and_back_without_gaps(settings, acme, acme_box):
    settings.FAXPORTAL_UI_PAGE_SIZE = 5
    faxes = make_inbound(acme_box, 12)
    # Ties on created_at are broken by id.
    Fax.objects.filter(pk__in=[faxes[4].pk, faxes[5].pk, faxes[6].pk]).update(
        created_at=faxes[5].created_at
    )
    expected = [
        f.pk for f in Fax.objects.filter(direction="inbound").order_by("-created_at", "-id")
    ]
    client = login(acme.viewer)
    seen, url, pages = [], reverse("inbox"), []
    while url:
        response = client.get(url)
        pages.append(response)
        seen += row_ids(response)
        older = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', response.content.decode())
        url = reverse("inbox") + older.group(1).replace("&amp;", "&") if older else None
    assert seen == expected and len(pages) == 3
    newer = re.search(r'href="(\?[^"]*before=[^"]+)" rel="prev"', pages[2].content.decode())
    back = client.get(reverse("inbox") + newer.group(1).replace("&amp;", "&"))
    assert row_ids(back) == expected[5:10]


def test_a_bad_cursor_is_a_400(acme, acme_box):
    response = login(acme.viewer).get(reverse("inbox"), {"after": "not-a-cursor!"})
    assert response.status_code == 400


def test_poll_answers_204_until_something_changes(acme, acme_box):
    client = login(acme.viewer)
    first = make_inbound(acme_box, 1)[0]
    page = client.get(reverse("inbox")).content.decode()
    poll = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "partial=rows" in poll and "poll=1" in poll
    assert client.get(reverse("inbox") + poll).status_code == 204
    arrived = received(acme_box)
    response = client.get(reverse("inbox") + poll)
    assert response.status_code == 200
    assert row_ids(response) == [arrived.pk, first.pk]
    # The rows come with the pager, so its "N shown" stays true as faxes arrive.
    assert response.content.decode().startswith('<div class="fax-list" id="fax-list"')
    assert '<tbody id="fax-rows"' in response.content.decode()
    assert "2 shown" in response.content.decode()


def test_outbox_shows_live_status_and_filters(acme, acme_box):
    queued = outbound(acme_box, FaxStatus.QUEUED, "+12025550120")
    failed = outbound(acme_box, FaxStatus.FAILED, "+12025550121", error_message="busy")
    client = login(acme.viewer)
    page = client.get(reverse("outbox")).content.decode()
    assert set(row_ids_from(page)) == {queued.pk, failed.pk}
    assert 'data-poll="2"' in page  # something is still moving: poll faster
    only_failed = client.get(reverse("outbox"), {"status": "failed"})
    assert row_ids(only_failed) == [failed.pk]
    poll = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert client.get(reverse("outbox") + poll).status_code == 204
    Fax.objects.filter(pk=queued.pk).update(status=FaxStatus.DELIVERED)
    changed = client.get(reverse("outbox") + poll).content.decode()
    assert "Delivered" in changed


def row_ids_from(html: str) -> list[str]:
    return re.findall(r'id="fax-([0-9a-f]{32})"', html)


@pytest.mark.parametrize("name", ["inbox", "outbox"])
def test_list_query_count_is_constant_and_never_counts(settings, acme, acme_box, name):
    settings.FAXPORTAL_UI_PAGE_SIZE = 20
    direction = {"direction": "outbound", "status": "delivered"} if name == "outbox" else {}
    make_inbound(acme_box, 3, **direction)
    client = login(acme.viewer)
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    make_inbound(acme_box, 40, **direction)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(name))
    assert len(row_ids(response)) == 20
    # Session, user, account, the rows, and the unread count of the title and sidebar
    # (at most 100 ids, never a COUNT).
    assert len(many) == len(few) <= 6, [q["sql"] for q in many]
    assert not any("COUNT(" in q["sql"].upper() for q in many)


def test_the_inbox_query_walks_the_account_direction_created_index(acme, acme_box):
    from faxes.services.reading import with_read_state
    from faxes.views.paging import Cursor, _older_than

    make_inbound(acme_box, 3)
    queryset = with_read_state(
        Fax.objects.for_account(acme.account).filter(
            direction="inbound", deleted_at__isnull=True, status__in=["received", "receiving"]
        ),
        acme.viewer,
    )
    cursor = Cursor(timezone.now(), "f" * 32)
    sql, params = (
        _older_than(queryset, cursor).order_by("-created_at", "-pk")[:51].query.sql_with_params()
    )
    with connection.cursor() as db:
        if connection.vendor == "sqlite":
            db.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in db.fetchall())
            assert "faxes_fax_account_" in plan or "fax_live_account_list" in plan, plan
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        else:
            # Tiny tables make every plan cost about the same: penalise scans and sorts so
            # the planner shows whether an index can deliver the rows in order at all.
            db.execute("SET LOCAL enable_seqscan = off")
            db.execute("SET LOCAL enable_sort = off")
            db.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in db.fetchall())
            # The account/direction/created index, or its live-rows-only twin.
            assert "faxes_fax_account_" in plan or "fax_live_account_list" in plan, plan
            assert "Sort" not in plan, plan  # rows come out of the index in order


def test_cursors_spelt_as_before_still_page(settings, acme, acme_box):
    # base64url of "<created_at>|<id>", the UI's cursor before the shared one.
    settings.FAXPORTAL_UI_PAGE_SIZE = 2
    faxes = make_inbound(acme_box, 4)
    second = Fax.objects.get(pk=faxes[2].pk)
    raw = f"{second.created_at.isoformat()}|{second.pk}".encode()
    after = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    client = login(acme.viewer)
    assert f"after={after}" in client.get(reverse("inbox")).content.decode()
    response = client.get(reverse("inbox"), {"after": after})
    assert row_ids(response) == [faxes[1].pk, faxes[0].pk]


def test_title_and_sidebar_show_the_unread_count(acme, acme_box):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550199")
    received(acme_box)
    newest = received(acme_box)
    client = login(acme.viewer)
    page = client.get(reverse("outbox")).content.decode()
    assert "<title>(2) Outbox · Fax portal</title>" in page
    assert re.search(r'id="unread-count"><span class="visually-hidden">, unread: </span>'
                     r'<span data-unread>2</span>', page)  # fmt: skip
    answer = client.get(reverse("inbox-unread"), {"poll": "1"})
    assert answer["Cache-Control"] == "no-store"
    assert answer.json()["unread"] == 2 and answer.json()["newest"]["id"] == newest.pk
    assert answer.json()["newest"]["from"] == "City Lab"
    client.get(reverse("fax-detail", args=[newest.pk]))
    assert client.get(reverse("inbox-unread")).json()["unread"] == 1
    client.get(reverse("fax-detail", args=[Fax.objects.exclude(pk=newest.pk).get().pk]))
    page = client.get(reverse("outbox")).content.decode()
    assert "<title>Outbox · Fax portal</title>" in page


def test_times_follow_the_browsers_clock(acme, acme_box):
    acme.account.timezone = "UTC"
    acme.account.save()
    fax = received(acme_box)
    Fax.objects.filter(pk=fax.pk).update(completed_at=datetime(2030, 1, 2, 15, 4, tzinfo=UTC))
    us = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    us.force_login(acme.viewer)
    gb = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    gb.force_login(acme.viewer)
    assert "3:04 PM" in us.get(reverse("inbox")).content.decode()
    british = gb.get(reverse("inbox")).content.decode()
    # No 12-hour time anywhere on the page (a bare "PM" may occur in the random CSRF token).
    assert "15:04" in british and not re.search(r"\d:\d\d ?[AP]M\b", british)


def test_an_inbound_fax_is_not_received_before_it_was_created(acme, acme_box):
    fax = received(acme_box)
    assert fax.completed_at >= fax.created_at
    fax.refresh_from_db()
    assert fax.completed_at >= fax.created_at


def test_times_are_shown_in_the_accounts_zone(acme, acme_box):
    acme.account.timezone = "America/New_York"
    acme.account.save()
    fax = received(acme_box)
    Fax.objects.filter(pk=fax.pk).update(completed_at=datetime(2030, 1, 2, 15, 4, tzinfo=UTC))
    page = login(acme.viewer).get(reverse("inbox")).content.decode()
    assert "10:04 EST" in page and "15:04 UTC" not in page
