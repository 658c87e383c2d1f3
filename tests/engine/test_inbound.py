"""receive_fax: routing, idempotency, refusals, notifications, audit; retention."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image

from faxes import services
from faxes.documents import DocumentRejected
from faxes.models import AuditEvent, Fax, FaxStatus, InboundRefusal
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def fax_tiff(pages: int = 2) -> bytes:
    frames = [Image.new("1", (1728, 2200), 1) for _ in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", compression="group4", dpi=(204, 196), save_all=True,
                   append_images=frames[1:])  # fmt: skip
    return out.getvalue()


def receive(**kwargs) -> Fax:
    values = {
        "to_number": "+12025550120", "from_number": "+12025550199", "data": fax_tiff(),
        "transport": "test", "carrier_fax_id": "c-1", "remote_station_id": "CALLER",
    }  # fmt: skip
    values.update(kwargs)
    return services.receive_fax(**values)


def test_routes_by_called_number_and_files_everything(pharmacy, clinic):
    fax = receive(rx_result={"success": True, "transferred_pages": "2"})
    assert fax.faxbox == pharmacy and fax.account == pharmacy.account
    assert fax.status == FaxStatus.RECEIVED and fax.direction == "inbound"
    assert fax.pages == 2 and fax.remote_station_id == "CALLER"
    assert fax.from_number == "+12025550199"
    with fax.document.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    with fax.tiff.open("rb") as handle:
        assert Image.open(handle).n_frames == 2
    assert fax.thumbnail.name.endswith("thumbnail.png")
    audit = AuditEvent.objects.get(fax=fax)
    assert audit.action == "fax.received" and audit.account == pharmacy.account
    assert [m.to for m in mail.outbox] == [["inbox@pharmacy.test"]]
    assert mail.outbox[0].attachments[0][0].endswith(".pdf")


def test_pdf_documents_are_received_too(pharmacy):
    fax = receive(data=text_pdf(3), filename="in.pdf")
    assert fax.pages == 3
    with fax.tiff.open("rb") as handle:
        image = Image.open(handle)
        assert image.n_frames == 3 and image.size[0] == 1728


def test_same_carrier_fax_is_filed_once(pharmacy):
    first = receive()
    again = receive()
    assert first.pk == again.pk
    assert Fax.objects.filter(direction="inbound").count() == 1
    assert len(mail.outbox) == 1


def test_number_nobody_owns_is_refused_and_logged(pharmacy):
    with pytest.raises(services.UnroutableNumber):
        receive(to_number="+12025550177")
    refusal = InboundRefusal.objects.get()
    assert refusal.to_number == "+12025550177" and refusal.reason == "no faxbox owns this number"
    assert not Fax.objects.exists()


def test_disabled_account_receives_nothing(pharmacy):
    pharmacy.account.enabled = False
    pharmacy.account.save()
    with pytest.raises(services.UnroutableNumber):
        receive()
    assert InboundRefusal.objects.get().reason == "the account is disabled"


def test_deleted_faxbox_receives_nothing(pharmacy):
    pharmacy.deleted_at = timezone.now()
    pharmacy.save()
    with pytest.raises(services.UnroutableNumber):
        receive()


def test_unreadable_document_is_rejected_and_nothing_stored(pharmacy, settings):
    from pathlib import Path

    with pytest.raises(DocumentRejected):
        receive(data=b"not a fax at all")
    assert not Fax.objects.exists()
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []


def test_anonymous_caller_is_kept(pharmacy):
    assert receive(from_number="anonymous").from_number == ""


def test_attachment_setting(pharmacy, settings):
    settings.FAXPORTAL_NOTIFY_ATTACHMENT = "tiff"
    receive()
    assert mail.outbox[0].attachments[0][2] == "image/tiff"
    settings.FAXPORTAL_NOTIFY_ATTACHMENT = "none"
    receive(carrier_fax_id="c-2")
    assert mail.outbox[1].attachments == []


# --- retention -------------------------------------------------------------------


def test_purge_attachment_keeps_metadata(pharmacy, settings):
    from pathlib import Path

    fax = receive()
    assert services.purge_attachment(fax)
    fax.refresh_from_db()
    assert fax.attachment_purged_at and not fax.document and not fax.tiff and not fax.thumbnail
    assert fax.pages == 2 and fax.from_number == "+12025550199"
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []
    assert not services.purge_attachment(fax)  # nothing left


def test_in_flight_fax_is_not_purged(clinic):
    result = services.submit_fax(
        account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
        documents=[services.UploadedFile(text_pdf(), "a.pdf")],
        scheduled_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert not services.purge_attachment(result.faxes[0])


def test_retention_purges_old_faxes_only(pharmacy, clinic, settings):
    old = receive(carrier_fax_id="old")
    new = receive(carrier_fax_id="new")
    Fax.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    settings.FAXPORTAL_RETENTION_DAYS = 0
    assert services.purge_expired_attachments() == 0
    settings.FAXPORTAL_RETENTION_DAYS = 30
    assert services.purge_expired_attachments() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.attachment_purged_at and not new.attachment_purged_at


def test_outbound_sources_are_purged_when_no_fax_needs_them(clinic, pharmacy):
    result = services.submit_fax(
        account=clinic.account, faxbox=clinic, recipients=["+12025550120", "+12025550121"],
        documents=[services.UploadedFile(text_pdf(), "a.pdf")],
    )  # fmt: skip
    first, second = (Fax.objects.get(pk=f.pk) for f in result.faxes)
    part = first.source.parts.get()
    assert part.file
    services.purge_attachment(first)
    part.refresh_from_db()
    assert part.file  # the second fax still has its document
    services.purge_attachment(second)
    part.refresh_from_db()
    assert not part.file
    first.source.refresh_from_db()
    assert first.source.purged_at is not None
