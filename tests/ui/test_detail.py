"""The fax page: previews, audit of every view and download, safe file responses, the PDF
inline for printing, pages turned and kept turned, and forward, cancel (asked first),
resubmit, delete and purge."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from faxes.models import AuditEvent, Fax, FaxStatus
from tests.ui.conftest import login, outbound

pytestmark = pytest.mark.django_db


def actions(account) -> list[tuple[str, dict]]:
    return [
        (e.action, e.details)
        for e in AuditEvent.objects.for_account(account).order_by("id")
        if e.action != "fax.received"
    ]


def test_detail_shows_pages_metadata_and_is_audited(acme, inbound_fax):
    response = login(acme.viewer).get(reverse("fax-detail", args=[inbound_fax.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for number in (1, 2):
        assert reverse("fax-page", args=[inbound_fax.pk, number]) in html
    assert 'loading="lazy"' in html and "+1 202-555-0199" in html
    event = AuditEvent.objects.get(action="fax.viewed")
    assert event.user == acme.viewer and event.fax_id == inbound_fax.pk
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("name", "args", "content_type", "disposition"),
    [
        ("fax-pdf", [], "application/pdf", "attachment"),
        ("fax-tiff", [], "image/tiff", "attachment"),
        ("fax-page", [2], "image/png", "inline"),
        ("fax-thumbnail", [], "image/png", "inline"),
    ],
)
def test_files_have_safe_headers_and_are_audited(
    acme, inbound_fax, name, args, content_type, disposition
):
    response = login(acme.viewer).get(reverse(name, args=[inbound_fax.pk, *args]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith(disposition)
    assert 'filename="fax-' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    # Fax contents never stay in a browser's or proxy's cache (shared front-desk PCs).
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body[:4] in (b"%PDF", b"II*\x00", b"MM\x00*", b"\x89PNG")
    # Downloads are audited; page images and thumbnails are parts of a view already
    # audited once (the detail page, the list).
    assert len(actions(acme.account)) == (0 if name in ("fax-page", "fax-thumbnail") else 1)


def test_download_actions_are_recorded_with_their_format(acme, inbound_fax):
    client = login(acme.viewer)
    client.get(reverse("fax-pdf", args=[inbound_fax.pk]))
    client.get(reverse("fax-tiff", args=[inbound_fax.pk]))
    client.get(reverse("fax-page", args=[inbound_fax.pk, 1]))
    assert actions(acme.account) == [
        ("fax.downloaded", {"format": "pdf"}),
        ("fax.downloaded", {"format": "tiff"}),
    ]


def test_missing_pages_and_files_are_404(acme, inbound_fax, outbound_fax):
    client = login(acme.viewer)
    assert client.get(reverse("fax-page", args=[inbound_fax.pk, 3])).status_code == 404
    assert client.get(reverse("fax-page", args=[inbound_fax.pk, 0])).status_code == 404
    assert client.get(reverse("fax-pdf", args=[outbound_fax.pk])).status_code == 404
    # A receipt exists only for a finished outbound fax.
    assert client.get(reverse("fax-receipt", args=[outbound_fax.pk])).status_code == 404
    assert client.get(reverse("fax-receipt", args=[inbound_fax.pk])).status_code == 404
    assert client.get(reverse("fax-detail", args=["nonsense"])).status_code == 404


def test_receipt_of_a_finished_fax(acme, acme_box):
    fax = outbound(acme_box, FaxStatus.DELIVERED, "+12025550120")
    response = login(acme.viewer).get(reverse("fax-receipt", args=[fax.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert actions(acme.account) == [("fax.downloaded", {"format": "receipt"})]


def test_forward_sends_the_document_on(acme, staff, inbound_fax):
    response = login(staff).post(
        reverse("fax-forward", args=[inbound_fax.pk]),
        {"to": "(202) 555-0120", "faxbox": inbound_fax.faxbox_id},
    )
    copy = Fax.objects.get(direction="outbound")
    assert response.status_code == 302 and response["Location"] == reverse(
        "fax-detail", args=[copy.pk]
    )
    assert copy.to_number == "+12025550120" and copy.owner == staff
    assert ("fax.forwarded", {"to": "+12025550120", "new_fax": copy.pk}) in actions(acme.account)


def test_forward_to_a_bad_number_says_why_beside_the_field(acme, staff, inbound_fax):
    response = login(staff).post(
        reverse("fax-forward", args=[inbound_fax.pk]), {"to": "12", "faxbox": inbound_fax.faxbox_id}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_to_error"><p>' in html and "not a valid phone number" in html
    assert not Fax.objects.filter(direction="outbound").exists()


def test_cancel_and_resubmit(acme, staff, acme_box, outbound_fax):
    client = login(staff)
    # Cancelling asks first; only the confirmed POST cancels.
    ask = client.post(reverse("fax-cancel", args=[outbound_fax.pk]))
    assert ask.status_code == 200 and b"Cancel the fax to +12025550120?" in ask.content
    outbound_fax.refresh_from_db()
    assert outbound_fax.status == FaxStatus.QUEUED
    client.post(reverse("fax-cancel", args=[outbound_fax.pk]), {"confirmed": "1"})
    outbound_fax.refresh_from_db()
    assert outbound_fax.status == FaxStatus.CANCELLED
    # A cancelled fax can be sent again, as a new fax.
    response = client.post(reverse("fax-resubmit", args=[outbound_fax.pk]))
    copy = Fax.objects.get(resubmitted_from=outbound_fax)
    assert response["Location"] == reverse("fax-detail", args=[copy.pk])
    Fax.objects.filter(pk=copy.pk).update(status=FaxStatus.FAILED)
    again = client.post(reverse("fax-resubmit", args=[copy.pk]))
    assert again["Location"] == reverse(
        "fax-detail", args=[Fax.objects.get(resubmitted_from=copy).pk]
    )
    # Delivered is neither: nothing to resubmit.
    Fax.objects.filter(pk=outbound_fax.pk).update(status=FaxStatus.DELIVERED)
    client.post(reverse("fax-resubmit", args=[outbound_fax.pk]))
    assert Fax.objects.filter(resubmitted_from=outbound_fax).count() == 1
    assert [a for a, _ in actions(acme.account)] == [
        "fax.cancelled",
        "fax.resubmitted",
        "fax.resubmitted",
    ]


def test_admin_deletes_after_confirming(acme, inbound_fax):
    client = login(acme.admin)
    confirm = client.get(reverse("fax-delete", args=[inbound_fax.pk]))
    assert confirm.status_code == 200 and b"Delete this fax?" in confirm.content
    assert Fax.objects.get(pk=inbound_fax.pk).deleted_at is None  # a GET changes nothing
    response = client.post(reverse("fax-delete", args=[inbound_fax.pk]))
    assert response["Location"] == reverse("inbox")
    fax = Fax.objects.get(pk=inbound_fax.pk)  # the record stays
    assert fax.deleted_at and fax.attachment_purged_at and not fax.document
    assert client.get(reverse("fax-detail", args=[fax.pk])).status_code == 404
    assert fax.pk not in client.get(reverse("inbox")).content.decode()
    assert ("fax.deleted", {}) in actions(acme.account)


def test_a_fax_in_flight_cannot_be_deleted(acme, outbound_fax):
    client = login(acme.admin)
    client.post(reverse("fax-delete", args=[outbound_fax.pk]))
    assert Fax.objects.get(pk=outbound_fax.pk).deleted_at is None


def test_admin_purges_files_and_keeps_the_record(acme, inbound_fax):
    client = login(acme.admin)
    client.post(reverse("fax-purge", args=[inbound_fax.pk]))
    fax = Fax.objects.get(pk=inbound_fax.pk)
    assert fax.attachment_purged_at and fax.deleted_at is None
    assert client.get(reverse("fax-pdf", args=[fax.pk])).status_code == 404
    assert client.get(reverse("fax-page", args=[fax.pk, 1])).status_code == 404
    assert b"Files purged" in client.get(reverse("fax-detail", args=[fax.pk])).content


def test_status_partial_polls_only_while_in_flight(acme, outbound_fax):
    client = login(acme.viewer)
    url = reverse("fax-detail", args=[outbound_fax.pk])
    partial = client.get(url, {"partial": "status", "poll": "1"}).content.decode()
    assert partial.startswith('<section class="card" id="fax-status"') and "hx-trigger" in partial
    Fax.objects.filter(pk=outbound_fax.pk).update(status=FaxStatus.DELIVERED)
    assert "hx-trigger" not in client.get(url, {"partial": "status"}).content.decode()
    assert not AuditEvent.objects.filter(action="fax.viewed").exists()  # polls are not views


def test_another_accounts_user_cannot_see_or_touch_what_was_made(acme, charlie, inbound_fax):
    client = login(charlie)
    for name, args in (
        ("fax-view-pdf", [inbound_fax.pk]),
        ("fax-detail", [inbound_fax.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    turned = client.post(reverse("fax-page-rotate", args=[inbound_fax.pk, 1]))
    assert turned.status_code == 404
    assert client.get(reverse("inbox-unread")).json() == {"unread": 0, "newest": None}


def test_the_pdf_opens_inline_and_download_stays(acme, inbound_fax):
    client = login(acme.viewer)
    page = client.get(reverse("fax-detail", args=[inbound_fax.pk])).content.decode()
    assert reverse("fax-view-pdf", args=[inbound_fax.pk]) in page and "data-print" in page
    assert reverse("fax-pdf", args=[inbound_fax.pk]) in page
    view = client.get(reverse("fax-view-pdf", args=[inbound_fax.pk]))
    assert view["Content-Disposition"].startswith("inline")
    assert view["Cache-Control"] == "private, no-store"
    download = client.get(reverse("fax-pdf", args=[inbound_fax.pk]))
    assert download["Content-Disposition"].startswith("attachment")


def test_a_turned_page_stays_turned_for_that_fax(acme, staff, inbound_fax):
    client = login(acme.viewer)
    upright = Image.open(io.BytesIO(b"".join(
        client.get(reverse("fax-page", args=[inbound_fax.pk, 1])).streaming_content
    )))  # fmt: skip
    response = client.post(
        reverse("fax-page-rotate", args=[inbound_fax.pk, 1]), {"direction": "right"}
    )
    assert response.status_code == 302
    inbound_fax.refresh_from_db()
    assert inbound_fax.page_rotations == {"1": 90}
    turned = Image.open(io.BytesIO(b"".join(
        login(staff).get(reverse("fax-page", args=[inbound_fax.pk, 1])).streaming_content
    )))  # fmt: skip
    assert turned.size == (upright.height, upright.width)
    pdf_view = b"".join(
        client.get(reverse("fax-view-pdf", args=[inbound_fax.pk])).streaming_content
    )
    assert PdfReader(io.BytesIO(pdf_view)).pages[0].rotation == 90
    # Left twice from 90 is 270; the stored document never changes.
    for _ in range(2):
        client.post(reverse("fax-page-rotate", args=[inbound_fax.pk, 1]), {"direction": "left"})
    inbound_fax.refresh_from_db()
    assert inbound_fax.page_rotations == {"1": 270}
    assert client.post(reverse("fax-page-rotate", args=[inbound_fax.pk, 9])).status_code == 404
    partial = client.post(
        reverse("fax-page-rotate", args=[inbound_fax.pk, 2]), HTTP_HX_REQUEST="true"
    )
    assert partial.content.decode().lstrip().startswith('<figure class="page-frame" id="page-2"')


def test_the_outbox_cancel_asks_before_cancelling(acme, staff, acme_box, outbound_fax):
    client = login(staff)
    ask = client.post(reverse("fax-cancel", args=[outbound_fax.pk]), {"next": "/outbox/"})
    html = ask.content.decode()
    assert 'name="confirmed" value="1"' in html and 'name="next" value="/outbox/"' in html
    assert Fax.objects.get(pk=outbound_fax.pk).status == FaxStatus.QUEUED
    done = client.post(
        reverse("fax-cancel", args=[outbound_fax.pk]), {"next": "/outbox/", "confirmed": "1"}
    )
    assert done["Location"] == "/outbox/"
    assert Fax.objects.get(pk=outbound_fax.pk).status == FaxStatus.CANCELLED
    cancelled = client.get(reverse("outbox")).content.decode()
    assert "Resubmit the fax to" in cancelled and "Receipt of the fax to" not in cancelled
    detail = client.get(reverse("fax-detail", args=[outbound_fax.pk])).content.decode()
    assert "Receipt</a>" not in detail and "Resubmit</button>" in detail
