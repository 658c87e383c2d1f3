"""The outbound engine: claim, convert, send, retry, cancel, resubmit, sweep.

The database is the source of truth. A worker claims a fax with a
conditional update (``queued → converting`` plus a fresh claim token); every
later step is conditional on that token, so a fax re-queued by the sweeper
after its worker vanished can never be driven by two workers at once.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from faxes import lifecycle
from faxes.backoff import backoff
from faxes.carriers import get_transport, transport_for
from faxes.carriers.base import OnNetDelivery, TransportError, TxResult
from faxes.documents import (
    DocumentRejected,
    PaperSize,
    RenderOptions,
    accept_document,
    accept_fetched,
    combine_documents,
    make_previews,
    render_fax_tiff,
)
from faxes.documents.faxspec import Resolution as RenderResolution
from faxes.failures import FaxFailure
from faxes.fetch import DocumentFetchError, fetch_document
from faxes.models import Attempt, DocumentPart, Fax, FaxStatus, fax_folder
from faxes.services import callerid, inbound, ocr, receiving
from faxes.services.cover import cover_page_for, paper_for
from faxes.services.inbound import UnroutableNumber
from faxes.services.linetime import check_document_line_time, estimated_call_seconds
from faxes.services.notify import notify_outbound_task, rescue_inbound
from faxportal.celery import portal_task

log = logging.getLogger(__name__)
S = FaxStatus


def enqueue(fax_id: str) -> None:
    """Wake a worker for this fax once the current transaction commits (if the broker
    cannot be reached, the fax stays queued and the sweeper re-enqueues it)."""
    process_fax_task.delay_on_commit(fax_id)


def _stage_delay(stage: str) -> None:
    """Optional pause inside a stage (``FAXPORTAL_STAGE_DELAY``), for fault drills
    that kill a worker mid-conversion or mid-send."""
    delay = settings.FAXPORTAL_STAGE_DELAY.get(stage)
    if delay:
        time.sleep(delay)


@contextmanager
def local_copy(field_file):
    """A filesystem path for a stored file's content: a temporary copy when the storage
    is remote or the file on disk is encrypted."""
    if not getattr(field_file.storage, "encrypts_files", False):
        try:
            yield Path(field_file.path)
            return
        except NotImplementedError:
            pass
    with tempfile.NamedTemporaryFile(suffix=Path(field_file.name).suffix) as tmp:
        with field_file.open("rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)


# --- claim and convert ------------------------------------------------------


def claim(fax_id: str) -> str | None:
    """Take a queued fax for this worker; the claim token, or None if someone else has it."""
    token = secrets.token_hex(8)
    if lifecycle.transition(
        fax_id, [S.QUEUED], S.CONVERTING, "claimed by worker", claim_token=token
    ):
        return token
    return None


def _part_document(part: DocumentPart, paper: PaperSize):
    if part.file:
        with part.file.open("rb") as handle:
            return accept_document(handle.read(), filename=part.filename, paper=paper)
    options = part.url_options or {}
    fetched = fetch_document(
        part.url,
        method=options.get("method", "get"),
        content=options.get("content"),
        content_type=options.get("content_type"),
        host=options.get("host"),
        referer=options.get("referer"),
    )
    accepted = accept_fetched(fetched.data, fetched.content_type, url=part.url, paper=paper)
    # Keep what was fetched, so retries and resubmits send the same document.
    name = fetched.filename or "document"
    stem = Path(name).stem or "document"
    part.file.save(f"{stem[:60]}.{accepted.kind.value}", ContentFile(fetched.data), save=False)
    part.filename = part.filename or name[:255]
    part.content_type = accepted.kind.mime_type
    part.size = len(fetched.data)
    part.fetched_at = timezone.now()
    part.save(update_fields=["file", "filename", "content_type", "size", "fetched_at"])
    return accepted


def convert(fax: Fax) -> int:
    """Build the fax's PDF (cover + parts), its fax TIFF and previews; returns pages."""
    assert fax.source is not None  # an outbound fax is sent from its uploaded document
    paper = paper_for(fax)
    parts = [_part_document(part, paper) for part in fax.source.parts.all()]
    # The number on the cover and header is the one transmitted: chosen (and kept
    # for send) now.
    callerid.remember_sender(fax)
    # The cover page states the total page count; combine_documents draws it.
    combined = combine_documents(parts, cover=cover_page_for(fax), paper=paper)
    header = callerid.header_for(fax)
    fax.document.save("fax.pdf", ContentFile(combined.pdf), save=False)
    with tempfile.NamedTemporaryFile(suffix=".tiff") as tmp:
        rendered = render_fax_tiff(
            combined.pdf,
            tmp.name,
            RenderOptions(resolution=RenderResolution(fax.resolution), header=header, paper=paper),
        )
        # Uploads were checked at submit; a fetched document is checked here, so a page too
        # long to send fails as a document, not as a line fault after every retry.
        check_document_line_time(rendered.page_bytes, [part.filename for part in parts], combined)
        with open(tmp.name, "rb") as handle:
            fax.tiff.save("fax.tiff", File(handle), save=False)
    previews = make_previews(combined.pdf, fax.document.storage, fax_folder(fax))
    fax.thumbnail.name = previews.thumbnail
    Fax.objects.filter(pk=fax.pk).update(
        document=fax.document.name,
        tiff=fax.tiff.name,
        thumbnail=fax.thumbnail.name,
        pages=combined.page_count,
        estimated_line_seconds=estimated_call_seconds(rendered.page_bytes),
    )
    fax.pages = combined.page_count
    fax.estimated_line_seconds = estimated_call_seconds(rendered.page_bytes)
    return combined.page_count


# --- send ---------------------------------------------------------------------


def retry_delay(attempt_number: int) -> timedelta:
    """The wait before the next attempt, from FAXPORTAL_RETRY_DELAY up to its maximum."""
    return backoff(
        attempt_number, settings.FAXPORTAL_RETRY_DELAY, settings.FAXPORTAL_RETRY_DELAY_MAX
    )


def fail_or_retry(fax: Fax, token: str, from_status: str, message: str, *, permanent: bool,
                   code: int | None = None, failure: str = "") -> None:  # fmt: skip
    """End an attempt that failed: retry later when the failure is transient and
    attempts remain, else fail the fax (and notify). Conditional on the claim token.
    ``failure``: the faxes.failures code the failure carried ('' to read it from
    ``code`` and ``message``)."""
    fax.refresh_from_db(fields=["attempt_count", "max_attempts"])
    allowed = max(1, fax.max_attempts)
    if not permanent and fax.attempt_count < allowed:
        lifecycle.transition(
            fax.pk, [from_status], S.RETRYING, f"will retry: {message}", claim=token,
            next_attempt_at=timezone.now() + retry_delay(fax.attempt_count),
            error_message=message[:500], error_code=code, failure_code=failure,
        )  # fmt: skip
        return
    if lifecycle.transition(
        fax.pk, [from_status], S.FAILED, message, claim=token,
        error_message=message[:500], error_code=code, failure_code=failure,
    ):  # fmt: skip
        notify_finished(fax.pk)


def notify_finished(fax_id: str) -> None:
    """E-mail the outbound result once the current transaction commits."""
    notify_outbound_task.delay_on_commit(fax_id)


def record_attempt(attempt: Attempt, result: TxResult) -> None:
    """Close an attempt with what the transport reported."""
    attempt.ended_at = timezone.now()
    attempt.success = result.success
    attempt.result_code = result.result_code
    attempt.result_text = result.result_text[:255]
    attempt.pages_sent = result.pages_sent
    attempt.speed = result.speed
    attempt.ecm = result.ecm
    attempt.compression = result.compression
    attempt.bad_rows = result.bad_rows
    attempt.receiver_id = result.receiver_id[:32]
    attempt.time_elapsed = result.time_elapsed
    attempt.details = result.details
    attempt.save()


def as_transport_error(exc: Exception) -> TransportError:
    """What an error raised while sending means for the attempt.

    Transports report failures as ``TransportError``; anything else that escapes one is
    still the end of this attempt: a number no faxbox can take (``UnroutableNumber``, e.g.
    its account was disabled) and a document the far end cannot file are permanent; an
    unforeseen error is logged and retried, so a passing fault (a full disk, a database
    hiccup) does not lose the fax and a lasting one ends it once the retries are spent.
    """
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, UnroutableNumber):
        text = f"the receiving faxbox refused the fax: {exc}"
        return TransportError(text, permanent=True, failure=exc.failure)
    if isinstance(exc, DocumentRejected):
        return TransportError(exc.message, permanent=True, failure=exc.failure)
    log.exception("sending raised %s", type(exc).__name__)
    message = f"internal error while sending ({type(exc).__name__}: {exc})"[:500]
    return TransportError(message, permanent=False, failure="portal_error")


def file_on_net(delivery: OnNetDelivery) -> None:
    """File a fax the transport carried to one of this portal's numbers."""
    inbound.receive_fax(
        to_number=delivery.to_number, from_number=delivery.from_number, data=delivery.data,
        transport=delivery.transport, carrier_fax_id=delivery.carrier_fax_id,
        filename=delivery.filename, remote_station_id=delivery.remote_station_id,
        rx_result=delivery.rx_result,
    )  # fmt: skip


def send(fax: Fax, token: str) -> None:
    transport = get_transport(fax.transport or None)
    with transaction.atomic():
        number = (Attempt.objects.filter(fax=fax).aggregate(n=Max("number"))["n"] or 0) + 1
        attempt = Attempt.objects.create(
            fax=fax, account_id=fax.account_id, number=number, transport=transport.name,
            started_at=timezone.now(),
        )  # fmt: skip
        Fax.objects.filter(pk=fax.pk).update(attempt_count=F("attempt_count") + 1)
    _stage_delay("sending")
    try:
        with local_copy(fax.tiff) as tiff_path:
            outcome = transport.send(fax, attempt, tiff_path)
        if outcome.delivered is not None:
            file_on_net(outcome.delivered)
    except Exception as exc:  # every error ends the attempt; none leaves the fax "sending"
        error = as_transport_error(exc)
        record_attempt(attempt, error.result)
        fail_or_retry(fax, token, S.SENDING, error.message, permanent=error.permanent,
                       code=error.result.result_code, failure=error.failure_code)  # fmt: skip
        return
    if outcome.carrier_id:
        Attempt.objects.filter(pk=attempt.pk).update(carrier_id=outcome.carrier_id)
    if not outcome.final:
        return  # the carrier reports the end through its callback
    result = outcome.result or TxResult(success=True)
    record_attempt(attempt, result)
    if lifecycle.transition(
        fax.pk, [S.SENDING], S.DELIVERED, "delivered", claim=token,
        remote_station_id=result.receiver_id[:32], error_code=None, error_message="",
        failure_code="",
    ):  # fmt: skip
        notify_finished(fax.pk)


def process_fax(fax_id: str) -> None:
    """Drive one queued fax to delivered, failed or retrying. Safe to call twice."""
    token = claim(fax_id)
    if token is None:
        return
    fax = Fax.objects.select_related("faxbox", "account", "source").get(pk=fax_id)
    try:
        _stage_delay("converting")
        convert(fax)
    except (DocumentFetchError, DocumentRejected) as exc:
        fail_or_retry_conversion(fax, token, exc)
        return
    if not lifecycle.transition(fax_id, [S.CONVERTING], S.SENDING, "converted", claim=token):
        return  # cancelled (or reclaimed) meanwhile
    send(fax, token)


def fail_or_retry_conversion(fax: Fax, token: str, exc: FaxFailure) -> None:
    # A document that cannot be fetched right now counts as an attempt.
    Fax.objects.filter(pk=fax.pk).update(attempt_count=F("attempt_count") + 1)
    fail_or_retry(
        fax, token, S.CONVERTING, exc.message, permanent=exc.permanent, failure=exc.failure_code
    )


# --- new outbound faxes --------------------------------------------------------


def create_outbound(*, account, faxbox, note: str, status: str = S.QUEUED, **fields) -> Fax:
    """Create an outbound fax, record its first status and, when it is queued, wake a
    worker once the transaction commits. Used by submit, resubmit and forward."""
    fax = Fax.objects.create(
        account=account, faxbox=faxbox, direction="outbound", status=status,
        status_changed_at=timezone.now(), transport=transport_for(account, faxbox), **fields,
    )  # fmt: skip
    lifecycle.record_initial(fax, note)
    if status == S.QUEUED:
        enqueue(fax.pk)
    return fax


# --- sweeper -------------------------------------------------------------------


def sweep(now=None) -> dict[str, int]:
    """Dispatch due work and rescue stuck faxes (received ones still downloading, or
    waiting for their text layer, too).
    Runs periodically (Celery beat)."""
    now = now or timezone.now()
    counts = {"scheduled": 0, "retrying": 0, "requeued": 0, "rescued": 0, "downloads": 0, "ocr": 0}
    for fax_id in Fax.objects.filter(status=S.SCHEDULED, scheduled_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if lifecycle.transition(fax_id, [S.SCHEDULED], S.QUEUED, "scheduled time reached"):
                enqueue(fax_id)
                counts["scheduled"] += 1
    for fax_id in Fax.objects.filter(status=S.RETRYING, next_attempt_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if lifecycle.transition(fax_id, [S.RETRYING], S.QUEUED, "retry due"):
                enqueue(fax_id)
                counts["retrying"] += 1
    # Queued but nobody claimed it: the broker message may have been lost.
    requeue_before = now - timedelta(seconds=settings.FAXPORTAL_REQUEUE_AFTER)
    for fax_id in Fax.objects.filter(
        status=S.QUEUED, status_changed_at__lt=requeue_before
    ).values_list("pk", flat=True):
        with transaction.atomic():
            Fax.objects.filter(pk=fax_id, status=S.QUEUED).update(status_changed_at=now)
            enqueue(fax_id)
            counts["requeued"] += 1
    # Claimed but silent for too long: the worker died. Converting is safe to
    # redo; a synchronous send is redone too, because delivery is idempotent
    # (loopback) — transports that report by callback stay in "sending".
    stuck_before = now - timedelta(seconds=settings.FAXPORTAL_STUCK_AFTER)
    stuck = Fax.objects.filter(
        status__in=[S.CONVERTING, S.SENDING], status_changed_at__lt=stuck_before
    ).values_list("pk", "status", "transport")
    for fax_id, status, transport_name in stuck:
        if status == S.SENDING and get_transport(transport_name or None).reports_later:
            continue
        with transaction.atomic():
            if lifecycle.transition(fax_id, [status], S.QUEUED, f"worker lost while {status}"):
                # An attempt cut short by a crash does not use up the fax's retries.
                interrupted = Attempt.objects.filter(fax_id=fax_id, ended_at__isnull=True).update(
                    ended_at=now, success=False, result_text="interrupted: worker lost"
                )
                if interrupted:
                    Fax.objects.filter(pk=fax_id).update(
                        attempt_count=F("attempt_count") - interrupted
                    )
                enqueue(fax_id)
                counts["rescued"] += 1
    # Announced by a carrier but not filed: the download's message or worker was lost.
    counts["downloads"] = receiving.rescue(now)
    # Received faxes whose text layer is overdue: a lost message, a killed worker, a retry.
    counts["ocr"] = ocr.rescue(now)
    # Received faxes whose e-mail is overdue (OCR that never ended, a lost task).
    counts["inbound_mail"] = rescue_inbound(now)
    return counts


@portal_task(name="faxes.process_fax", acks_late=True, ignore_result=True)
def process_fax_task(fax_id: str) -> None:
    process_fax(fax_id)


@portal_task(name="faxes.sweep", ignore_result=True)
def sweep_task() -> dict[str, int]:
    return sweep()
