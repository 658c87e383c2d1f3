"""Receipts: the stored record of how an outbound fax ended.

A receipt is made once, when the fax reaches delivered, failed or cancelled (a task
sent on that transition), from the state at that moment: the transmission figures,
the recipient's station id, page 1 of the TIFF transmitted and the SHA-256 of that
TIFF. It is stored (PDF in the default storage, figures in the row) and served as it
is from then on; renaming the account, changing its time zone or purging the fax's
files does not change it. A finished fax without one (finished before receipts were
stored, or whose task was lost) gets it on first request, made once then stored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from faxes import lifecycle
from faxes.documents import ReceiptData, render_receipt_pdf
from faxes.models import Fax, FaxStatus, Receipt
from faxes.services.wording import fax_wording
from faxportal.celery import portal_task

log = logging.getLogger(__name__)
# The final states of an outbound fax (a receipt is offered for each).
RECEIPT_STATUSES = frozenset({FaxStatus.DELIVERED, FaxStatus.FAILED, FaxStatus.CANCELLED})
NOT_FINISHED = "A receipt exists only for a finished outbound fax."


def _check_finished(fax: Fax) -> None:
    if fax.direction != "outbound" or fax.status not in lifecycle.FINAL:
        raise ValidationError(NOT_FINISHED)


def _transmitted(fax: Fax) -> bytes | None:
    """The fax TIFF as it went on the line (None when it never got one, or was purged)."""
    if not fax.tiff or fax.attachment_purged_at:
        return None
    try:
        with fax.tiff.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        log.warning("receipt for fax %s: its TIFF is missing", fax.pk)
        return None


def _data(fax: Fax, receipt_id: str, tiff: bytes | None, now: datetime) -> ReceiptData:
    attempts = list(fax.attempts.order_by("number"))
    last = attempts[-1] if attempts else None
    t30 = ""
    if last is not None and last.result_code is not None:
        t30 = f"{last.result_code}: {last.result_text}"
    return ReceiptData(
        fax_id=fax.pk,
        status=fax.status,
        from_number=fax.from_number,
        to_number=fax.to_number,
        faxbox_name=fax.faxbox.name if fax.faxbox else "",
        from_name=fax.from_name,
        to_name=fax.to_name,
        pages_sent=last.pages_sent if last else 0,
        pages_total=fax.pages,
        t30_result=t30,
        attempts=len([a for a in attempts if a.success is not None]) or fax.attempt_count,
        started_at=attempts[0].started_at if attempts else None,
        ended_at=last.ended_at if last else fax.completed_at,
        remote_station_id=(last.receiver_id if last else "") or fax.remote_station_id,
        timezone=fax.local_timezone,
        # Page 1 as transmitted (header line included); the PDF when there is no TIFF.
        document=tiff if tiff is not None else _document(fax),
        receipt_id=receipt_id,
        document_sha256=hashlib.sha256(tiff).hexdigest() if tiff is not None else "",
        generated_at=now,
        wording=fax_wording(fax),
    )


def _document(fax: Fax) -> bytes | None:
    if not fax.document or fax.attachment_purged_at:
        return None
    try:
        with fax.document.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def _figures(data: ReceiptData, last_speed: int | None, ecm: bool | None) -> dict[str, Any]:
    figures = {k: v for k, v in asdict(data).items() if k not in ("document", "wording")}
    for key in ("started_at", "ended_at", "generated_at"):
        value = figures[key]
        figures[key] = value.isoformat() if value is not None else None
    figures.update(speed=last_speed, ecm=ecm)
    return figures


def make_receipt(fax: Fax) -> Receipt:
    """The fax's receipt: the stored one, or made now and stored (once, even when two
    processes try at the same moment). ValidationError for a fax not finished."""
    _check_finished(fax)
    existing = Receipt.objects.for_account(fax.account).filter(fax=fax).first()
    if existing is not None:
        return existing
    fax = Fax.objects.select_related("account", "faxbox").get(pk=fax.pk)
    now = timezone.now()
    receipt = Receipt(account_id=fax.account_id, fax=fax)
    tiff = _transmitted(fax)
    data = _data(fax, receipt.pk, tiff, now)
    last = fax.attempts.order_by("-number").first()
    receipt.figures = _figures(data, last.speed if last else None, last.ecm if last else None)
    receipt.document_sha256 = data.document_sha256
    receipt.file.save(
        f"receipt-{receipt.pk}.pdf", ContentFile(render_receipt_pdf(data)), save=False
    )
    try:
        with transaction.atomic():
            receipt.save(force_insert=True)
    except IntegrityError:
        # Someone else stored this fax's receipt first: theirs is the one.
        receipt.file.delete(save=False)
        return Receipt.objects.for_account(fax.account).get(fax=fax)
    return receipt


def make_receipt_for(fax_id: str) -> str:
    """Task body: make the receipt of a fax that has just finished (idempotent)."""
    fax = Fax.objects.select_related("account").filter(pk=fax_id).first()
    if fax is None or fax.direction != "outbound" or fax.status not in RECEIPT_STATUSES:
        return "skipped"
    return make_receipt(fax).pk


def stored_receipt(fax: Fax) -> Receipt | None:
    """The receipt already made for this fax, if any (nothing is rendered)."""
    return Receipt.objects.for_account(fax.account).filter(fax=fax).first()


def receipt_pdf(fax: Fax) -> bytes:
    """The stored receipt's PDF (made on first request for an older finished fax)."""
    receipt = make_receipt(fax)
    with receipt.file.open("rb") as handle:
        return handle.read()


def on_fax_status_changed(sender, *, fax_id: str, to_status: str, **kwargs) -> None:
    """Ask a worker for the receipt of a fax that has just finished (connected in
    FaxesConfig.ready; the signal comes after commit). A lost task only means the
    receipt is made on first request instead."""
    if to_status not in RECEIPT_STATUSES:
        return
    make_receipt_task.delay_safely(fax_id)


@portal_task(name="faxes.make_receipt", acks_late=True, ignore_result=True)
def make_receipt_task(fax_id: str) -> str:
    return make_receipt_for(fax_id)
