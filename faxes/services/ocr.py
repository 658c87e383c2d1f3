"""The text layer of received faxes: after filing, a worker reads the fax (tesseract) and
swaps its PDF for the searchable one, keeping the text on the fax.

Filing never waits for it: ``receive_fax`` and ``file_receiving`` only mark the fax
``pending`` (``queue``) and send ``faxes.ocr_fax`` on commit. A try claims the row by a
conditional update (``pending`` to ``reading``, one more ``ocr_attempts``, ``ocr_at`` the
end of its lease), reads the files, stores the searchable PDF under a new name and switches
the row to it in one conditional update — only while the fax still has the PDF that was
read and its files were not purged — then deletes the old file: the fax has a readable PDF
at every moment, and nothing that goes wrong in OCR touches the original. A failed try puts
the fax back to ``pending`` with a later ``ocr_at``; the sweeper (``rescue``) sends the task
again when that time is past, and for a lost message or a worker killed mid-read (its
lease ran out), until ``FAXPORTAL_OCR_TRIES`` tries are spent (then ``failed``, logged).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.languages import language_for
from faxes.backoff import backoff
from faxes.documents import ocr as reader
from faxes.models import Direction, Fax, OcrStatus, fax_folder
from faxes.services.notify import notify_inbound_task
from faxportal.celery import portal_task

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 60.0
RETRY_CAP_SECONDS = 1800.0
UNFINISHED = (OcrStatus.PENDING, OcrStatus.READING)
ENDED = ("done", "skipped", "failed")


def queue(fax: Fax) -> bool:
    """Ask for the text layer of a fax being filed (inside the filing transaction): the
    row is marked pending and a worker is woken once it commits. Nothing when OCR is off.
    True when tesseract is there to read it: the fax's e-mail then waits for the end of
    OCR (done, skipped or failed for good) to carry the searchable PDF."""
    if not settings.FAXPORTAL_OCR or fax.direction != Direction.INBOUND:
        return False
    now = timezone.now()
    Fax.objects.filter(pk=fax.pk).update(ocr_status=OcrStatus.PENDING, ocr_at=now)
    fax.ocr_status, fax.ocr_at = OcrStatus.PENDING, now
    ocr_fax_task.delay_on_commit(fax.pk)
    return reader.tesseract_path() is not None


def _finish(fax_id: str, status: str, **fields) -> None:
    """End the try holding the fax (``reading``), or a try the sweeper gives up on."""
    Fax.objects.filter(pk=fax_id, ocr_status__in=UNFINISHED).update(
        ocr_status=status, ocr_at=timezone.now(), **fields
    )


def _read(field) -> bytes | None:
    if not field:
        return None
    with field.open("rb") as handle:
        return handle.read()


def _lease(pages: int | None) -> timedelta:
    """How long one try may hold the fax: tesseract's own time limit, and a margin."""
    return timedelta(seconds=settings.FAXPORTAL_OCR_SECONDS_PER_PAGE * max(pages or 1, 1) + 120)


def read_fax(fax_id: str, now: datetime | None = None) -> str:
    """One OCR try for a pending fax (the task's body). Returns what happened: ``done``,
    ``skipped``, ``failed`` (tries spent), ``retry`` (tried again later) or ``busy``
    (not pending: done, or another worker reads it). OCR ended: the fax's e-mail goes."""
    outcome = _read_fax(fax_id, now)
    if outcome in ENDED:
        notify_inbound_task.delay_on_commit(fax_id)
    return outcome


def _read_fax(fax_id: str, now: datetime | None) -> str:
    now = now or timezone.now()
    fax = Fax.objects.select_related("account").filter(pk=fax_id).first()
    if fax is None or fax.ocr_status != OcrStatus.PENDING:
        return "busy"
    claimed = Fax.objects.filter(
        pk=fax_id, ocr_status=OcrStatus.PENDING, ocr_attempts__lt=settings.FAXPORTAL_OCR_TRIES
    ).update(
        ocr_status=OcrStatus.READING, ocr_attempts=F("ocr_attempts") + 1,
        ocr_at=now + _lease(fax.pages),
    )  # fmt: skip
    if not claimed:
        return "busy"
    attempt = fax.ocr_attempts + 1
    if not settings.FAXPORTAL_OCR:
        _finish(fax_id, OcrStatus.SKIPPED)
        log.info("OCR of fax %s skipped: FAXPORTAL_OCR is off", fax_id)
        return "skipped"
    if fax.attachment_purged_at or fax.deleted_at or not fax.document:
        _finish(fax_id, OcrStatus.SKIPPED)
        return "skipped"
    if reader.tesseract_path() is None:
        _finish(fax_id, OcrStatus.SKIPPED)
        log.warning("OCR of fax %s skipped: tesseract is not installed", fax_id)
        return "skipped"
    original = fax.document.name
    assert original  # a fax without its document returned above
    try:
        pdf = _read(fax.document) or b""
        present = reader.has_text(pdf)
        if present:
            # A received PDF that already carries text is searchable as it is.
            _finish(fax_id, OcrStatus.DONE, text=present)
            return "done"
        try:
            tiff = _read(fax.tiff)
        except (FileNotFoundError, OSError):
            tiff = None  # the PDF has the pages too
        languages = reader.languages_for(language_for(None, fax.account))
        result = reader.add_text_layer(
            pdf, tiff, languages=languages,
            seconds_per_page=settings.FAXPORTAL_OCR_SECONDS_PER_PAGE,
        )  # fmt: skip
    except reader.OcrUnavailable as exc:
        _finish(fax_id, OcrStatus.SKIPPED)
        log.warning("OCR of fax %s skipped: %s", fax_id, exc)
        return "skipped"
    except Exception as exc:
        return _failed(fax, attempt, exc, now)
    try:
        _swap(fax, original, result)
    except Exception as exc:  # storage or database unreachable: the original stands
        return _failed(fax, attempt, exc, now)
    log.info("OCR of fax %s: %s", fax_id, result)
    return "done"


def _swap(fax: Fax, original: str, result: reader.OcrResult) -> None:
    """Point the fax at its searchable PDF, or leave it as it is if it changed meanwhile."""
    storage = fax.document.storage
    # A name of its own (S3 overwrites a name given twice): two tries never share a file.
    name = f"{fax_folder(fax)}fax-searchable-{secrets.token_hex(4)}.pdf"
    stored = storage.save(name, ContentFile(result.pdf))
    try:
        with transaction.atomic():
            switched = Fax.objects.filter(
                pk=fax.pk, ocr_status=OcrStatus.READING, document=original,
                attachment_purged_at__isnull=True,
            ).update(
                document=stored, text=result.text, ocr_status=OcrStatus.DONE,
                ocr_at=timezone.now(),
            )  # fmt: skip
    except BaseException:
        storage.delete(stored)
        raise
    if not switched:
        storage.delete(stored)  # purged, replaced or finished meanwhile: theirs stands
        return
    try:
        storage.delete(original)
    except Exception:  # pragma: no cover - best effort, the fax has its new PDF
        log.exception("could not delete the PDF %s replaced by OCR", original)


def _failed(fax: Fax, attempt: int, exc: Exception, now: datetime) -> str:
    """A try that went wrong: the fax keeps its PDF; tried again later, or given up."""
    if attempt >= settings.FAXPORTAL_OCR_TRIES:
        _finish(fax.pk, OcrStatus.FAILED)
        log.error("OCR of fax %s failed for good after %d tries: %s", fax.pk, attempt, exc,
                  exc_info=exc)  # fmt: skip
        return "failed"
    later = now + backoff(attempt, RETRY_BASE_SECONDS, RETRY_CAP_SECONDS)
    Fax.objects.filter(pk=fax.pk, ocr_status=OcrStatus.READING).update(
        ocr_status=OcrStatus.PENDING, ocr_at=later
    )
    log.warning("OCR of fax %s failed (try %d of %d), tried again after %s: %s", fax.pk,
                attempt, settings.FAXPORTAL_OCR_TRIES, later.isoformat(), exc)  # fmt: skip
    return "retry"


def rescue(now: datetime) -> int:
    """Faxes whose text layer is overdue — the message was lost, a retry is due, or the
    worker died mid-read (its lease ran out) — get the task again; those whose tries are
    spent are ended. Run by the sweeper; returns how many were sent again."""
    sent = 0
    waited_since = now - timedelta(seconds=settings.FAXPORTAL_REQUEUE_AFTER)
    overdue = Fax.objects.filter(
        Q(ocr_status=OcrStatus.PENDING, ocr_at__lt=waited_since)
        | Q(ocr_status=OcrStatus.READING, ocr_at__lt=now)
    )
    for fax_id, status, attempts, due in overdue.values_list(
        "pk", "ocr_status", "ocr_attempts", "ocr_at"
    ):
        if attempts >= settings.FAXPORTAL_OCR_TRIES:
            _finish(fax_id, OcrStatus.FAILED)
            log.error("OCR of fax %s given up: %d tries did not finish", fax_id, attempts)
            notify_inbound_task.delay_on_commit(fax_id)
            continue
        with transaction.atomic():
            # ocr_at moved to now: sent again once per FAXPORTAL_REQUEUE_AFTER at most.
            if Fax.objects.filter(pk=fax_id, ocr_status=status, ocr_at=due).update(
                ocr_status=OcrStatus.PENDING, ocr_at=now
            ):
                ocr_fax_task.delay_on_commit(fax_id)
                sent += 1
    return sent


@portal_task(name="faxes.ocr_fax", acks_late=True, ignore_result=True)
def ocr_fax_task(fax_id: str) -> str:
    return read_fax(fax_id)
