"""Receipts are records: made once when an outbound fax finishes, stored, never re-drawn."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from faxes import services
from faxes.carriers.loopback import transport as loopback
from faxes.models import Fax, FaxStatus, Receipt
from faxes.services import outbound, receipts
from tests.conftest import token_client
from tests.factories import FaxFactory, text_pdf

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def send(faxbox, to="+12025550120", **kwargs) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to],
        documents=[services.UploadedFile(text_pdf(1), "doc.pdf")], **kwargs,
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


@pytest.fixture
def transmitted(monkeypatch) -> list[str]:
    """SHA-256 of every TIFF a transport was handed to put on the line."""
    digests: list[str] = []
    real = outbound.get_transport

    def recording(name=None):
        transport = real(name)
        send_real = transport.send

        def send_and_record(fax, attempt, tiff_path):
            digests.append(hashlib.sha256(tiff_path.read_bytes()).hexdigest())
            return send_real(fax, attempt, tiff_path)

        transport.send = send_and_record
        return transport

    monkeypatch.setattr(outbound, "get_transport", recording)
    return digests


def downloads(fax: Fax, api, ui) -> tuple[bytes, bytes]:
    from_api = api.get(f"/api/v1/faxes/sent/{fax.pk}/receipt")
    from_ui = ui.get(reverse("fax-receipt", args=[fax.pk]))
    assert from_api.status_code == 200 and from_ui.status_code == 200
    return from_api.content, b"".join(from_ui.streaming_content)


def test_a_delivered_fax_gets_one_stored_receipt_that_never_changes(
    clinic, pharmacy, transmitted, django_user_model
):
    fax = send(clinic)
    assert fax.status == S.DELIVERED, fax.error_message
    receipt = Receipt.objects.get()  # made by the task sent on the final transition
    assert receipt.fax_id == fax.pk and receipt.account_id == clinic.account_id
    # The digest of exactly the TIFF that went on the line (and still downloadable).
    assert transmitted == [receipt.document_sha256]
    with fax.tiff.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == receipt.document_sha256
    figures = receipt.figures
    assert figures["status"] == "delivered" and figures["remote_station_id"] == "+12025550120"
    assert figures["pages_sent"] == 1 and figures["t30_result"].startswith("0:")
    assert figures["timezone"] == "America/New_York" and figures["speed"] == 14400
    assert figures["document_sha256"] == receipt.document_sha256
    assert figures["receipt_id"] == receipt.pk

    api = token_client(clinic.account)
    user = django_user_model.objects.create_user(
        "clerk@clinic.test", password="x", account=clinic.account
    )
    ui = Client()
    ui.force_login(user)
    with receipt.file.open("rb") as handle:
        stored = handle.read()
    keywords = PdfReader(io.BytesIO(stored)).metadata["/Keywords"]
    assert f"sha256={receipt.document_sha256}" in keywords
    assert downloads(fax, api, ui) == (stored, stored)

    # Listed with the fax: v1 detail and the UI detail page.
    detail = api.get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert detail["receipt"] == {
        "id": receipt.pk,
        "sha256": receipt.document_sha256,
        "url": f"http://testserver/api/v1/faxes/sent/{fax.pk}/receipt",
        "created_at": detail["receipt"]["created_at"],
    }
    page = ui.get(reverse("fax-detail", args=[fax.pk])).content.decode()
    assert receipt.pk in page and receipt.document_sha256 in page

    # Renaming the account, moving it and the faxbox to other zones and purging the
    # document change nothing in it.
    clinic.account.name = "Renamed Clinic"
    clinic.account.timezone = "Asia/Tokyo"
    clinic.account.save()
    clinic.name = "Renamed faxbox"
    clinic.fax_timezone = "Europe/Paris"
    clinic.save()
    assert services.purge_attachment(Fax.objects.get(pk=fax.pk))
    assert downloads(fax, api, ui) == (stored, stored)
    assert Receipt.objects.get().figures == figures
    assert api.get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]["receipt"] == detail["receipt"]
    assert Receipt.objects.count() == 1


def test_failed_and_cancelled_faxes_get_their_receipts(clinic):
    failed = send(clinic, to="+12025550177")
    assert failed.status == S.FAILED
    cancelled = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    assert services.cancel_fax(cancelled)
    by_fax = {r.fax_id: r for r in Receipt.objects.all()}
    assert set(by_fax) == {failed.pk, cancelled.pk}
    assert by_fax[failed.pk].figures["status"] == "failed"
    assert by_fax[cancelled.pk].figures["status"] == "cancelled"
    assert by_fax[cancelled.pk].document_sha256 == ""  # nothing was ever transmitted


def test_retried_fax_digests_the_tiff_of_the_last_attempt(clinic, pharmacy, transmitted):
    fax = send(clinic, to=loopback.BUSY)
    assert fax.status == S.RETRYING and not Receipt.objects.exists()
    Fax.objects.filter(pk=fax.pk).update(to_number="+12025550120")
    Fax.objects.filter(pk=fax.pk).update(next_attempt_at=timezone.now())
    services.sweep()
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED, fax.error_message
    assert len(transmitted) == 2
    assert Receipt.objects.get().document_sha256 == transmitted[-1]


def test_an_older_finished_fax_gets_its_receipt_on_first_request_once(clinic, other, monkeypatch):
    fax = FaxFactory(
        account=clinic.account, faxbox=clinic, direction="outbound", status=S.DELIVERED,
        to_number="+12025550120", completed_at=timezone.now(),
    )  # fmt: skip
    assert not Receipt.objects.exists()
    drawn = []
    real = receipts.render_receipt_pdf
    monkeypatch.setattr(receipts, "render_receipt_pdf", lambda data: drawn.append(1) or real(data))
    api = token_client(clinic.account)
    first = api.get(f"/api/v1/faxes/sent/{fax.pk}/receipt").content
    second = api.get(f"/api/v1/faxes/sent/{fax.pk}/receipt").content
    assert first == second and first.startswith(b"%PDF") and drawn == [1]
    assert Receipt.objects.get().document_sha256 == ""  # it has no TIFF
    # Another account's token sees neither the fax nor its receipt.
    outsider = token_client(other.account)
    assert outsider.get(f"/api/v1/faxes/sent/{fax.pk}/receipt").status_code == 404
    assert outsider.get(f"/api/v1/faxes/sent/{fax.pk}").status_code == 404


def test_two_makers_at_once_store_one_receipt(clinic, monkeypatch):
    fax = FaxFactory(
        account=clinic.account, faxbox=clinic, direction="outbound", status=S.FAILED,
        to_number="+12025550120",
    )  # fmt: skip
    theirs = receipts.make_receipt(fax)
    # The second maker looked before the first one had stored its receipt.
    looks = []

    def for_account(account):
        looks.append(account.pk)
        rows = Receipt.objects.filter(account_id=account.pk)
        return rows.none() if len(looks) == 1 else rows

    monkeypatch.setattr(Receipt.objects, "for_account", for_account)
    mine = receipts.make_receipt(fax)
    assert mine.pk == theirs.pk and Receipt.objects.count() == 1
    # Its own PDF was removed again: one receipt file in the fax's folder.
    storage = theirs.file.storage
    _dirs, files = storage.listdir(theirs.file.name.rsplit("/", 1)[0])
    assert [name for name in files if name.startswith("receipt-")] == [f"receipt-{theirs.pk}.pdf"]


def test_receipts_are_read_only_in_django_admin(clinic, django_user_model):
    fax = FaxFactory(
        account=clinic.account, faxbox=clinic, direction="outbound", status=S.DELIVERED,
        to_number="+12025550120",
    )  # fmt: skip
    receipt = receipts.make_receipt(fax)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    operator = Client()
    operator.force_login(root)
    listing = operator.get(reverse("admin:faxes_receipt_changelist"), {"q": fax.pk})
    assert listing.status_code == 200 and receipt.pk in listing.content.decode()
    change = reverse("admin:faxes_receipt_change", args=[receipt.pk])
    assert operator.get(change).status_code == 200
    before = Receipt.objects.values().get()
    operator.post(change, {"document_sha256": "0" * 64})
    assert Receipt.objects.values().get() == before
    assert operator.get(reverse("admin:faxes_receipt_add")).status_code == 403
