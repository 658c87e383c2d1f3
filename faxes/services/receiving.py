"""Faxes a carrier announced and the portal has not filed yet: the ``receiving`` row, its
download and its rescue.

A verified announcement becomes a Fax row (status ``receiving``, the announcement kept in
``rx_result``) in the callback's own transaction, and the download task is sent on
commit. The row, not the broker, holds the work: ``next_attempt_at`` says when the sweeper
(:func:`rescue`) is to wake a download again (its message was lost, its worker died, or a
retry's message went missing). Each try takes the row with a claim token and counts in
``attempt_count``; a permanent error, or ``DOWNLOAD_TRIES`` tries, ends the row: it is
deleted and an ``InboundRefusal`` says why (the fax never entered the account, as a
refused one). A filed row is ``received`` like any other (``inbound.file_receiving``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from faxes import lifecycle
from faxes.backoff import backoff
from faxes.carriers import get_transport
from faxes.carriers.common import CallbackRejected, CarrierSettings, settings_for_key
from faxes.carriers.http import CarrierHTTPError, download
from faxes.documents import DocumentRejected
from faxes.models import Direction, Fax, FaxNumber, FaxStatus, InboundRefusal
from faxes.services import inbound
from faxes.services.inbound import UnroutableNumber
from faxportal.celery import portal_task

log = logging.getLogger(__name__)
S = FaxStatus

ANNOUNCEMENT = "announcement"  # the rx_result key holding what the carrier announced
DOWNLOAD_TRIES = 9  # the first try and eight retries (30 s, 90 s, … up to an hour apart)


class DownloadLater(Exception):
    """The download failed for now; the next try is due after ``wait``."""

    def __init__(self, wait: timedelta, error: CarrierHTTPError) -> None:
        super().__init__(error.message)
        self.wait = wait


def refuse(transport: str, announcement: dict[str, Any], reason: str) -> None:
    """Log a carrier fax that does not enter any account (Django admin: inbound refusals)."""
    InboundRefusal.objects.create(
        to_number=str(announcement.get("to", ""))[:20],
        from_number=str(announcement.get("from", ""))[:20],
        transport=transport,
        carrier_fax_id=str(announcement.get("carrier_fax_id", ""))[:128],
        reason=reason[:255],
    )
    log.warning(
        "refused %s inbound fax %s: %s", transport, announcement.get("carrier_fax_id"), reason
    )


def open_receiving(
    transport: str, announcement: dict[str, Any], owner: FaxNumber, called: str
) -> Fax | None:
    """The ``receiving`` row of a verified announcement for a number ``owner`` holds; its
    download is sent when the transaction commits. None when this carrier fax has a row
    already (a repeated announcement changes nothing)."""
    now = timezone.now()
    fax = Fax(
        account=owner.account,
        faxbox=owner.faxbox,
        owner=owner.faxbox.owner,
        direction=Direction.INBOUND,
        status=S.RECEIVING,
        from_number=inbound.caller_number(announcement.get("from")),
        to_number=called,
        transport=transport,
        carrier_fax_id=announcement["carrier_fax_id"],
        remote_station_id=str(announcement.get("remote_station_id") or "")[:32],
        pages=_pages(announcement.get("pages")),
        rx_result={ANNOUNCEMENT: announcement},
        status_changed_at=now,
        # Not taken by a worker by then: the message is lost, the sweeper sends another.
        next_attempt_at=now + timedelta(seconds=settings.FAXPORTAL_REQUEUE_AFTER),
    )
    try:
        with transaction.atomic():
            fax.save(force_insert=True)
            lifecycle.record_initial(fax, f"announced by {transport}")
    except IntegrityError:
        return None  # the same carrier fax, announced again (or concurrently)
    download_receiving_task.delay_on_commit(fax.pk)
    return fax


def _pages(value: Any) -> int | None:
    try:
        pages = int(value)
    except (TypeError, ValueError):
        return None
    return pages if 0 < pages < 10_000 else None


def fetch_media(
    transport: str, config: CarrierSettings, announcement: dict[str, Any]
) -> tuple[bytes, str]:
    """The announced document (bytes, content type), with the carrier's credentials and
    size-capped; an expired link is renewed once where the carrier can."""
    carrier = get_transport(transport)
    url = announcement["media_url"]
    limit = settings.FAXPORTAL_MAX_DOCUMENT_BYTES
    headers, hosts = carrier.media_auth(config, url)
    try:
        return download(url, auth_headers=headers, auth_hosts=hosts, max_bytes=limit)
    except CarrierHTTPError as exc:
        if exc.status not in (403, 404, 410):
            raise
        # The link expired: renew it ('' from carriers whose links do not expire).
        fresh = carrier.refresh_media_url(config, announcement["carrier_fax_id"])
        if not fresh:
            raise
        headers, hosts = carrier.media_auth(config, fresh)
        return download(fresh, auth_headers=headers, auth_hosts=hosts, max_bytes=limit)


def _claim(fax_id: str) -> str | None:
    """Take a receiving row nobody is downloading; counts the try. The claim lasts
    ``FAXPORTAL_STUCK_AFTER``: a worker silent that long is presumed dead."""
    token = secrets.token_hex(8)
    lease = timezone.now() + timedelta(seconds=settings.FAXPORTAL_STUCK_AFTER)
    taken = Fax.objects.filter(pk=fax_id, status=S.RECEIVING, claim_token="").update(
        claim_token=token, attempt_count=F("attempt_count") + 1, next_attempt_at=lease
    )
    return token if taken else None


def end(fax: Fax, claim: str | None, reason: str, *, refused: bool = False,
        overdue_at: datetime | None = None) -> bool:  # fmt: skip
    """End a receiving row for good: delete it and log why (unless ``refused``: already
    logged). Only while the worker holding ``claim`` still has it, or (``overdue_at``,
    the sweeper) while it is still overdue."""
    rows = Fax.objects.filter(pk=fax.pk, status=S.RECEIVING)
    if claim is not None:
        rows = rows.filter(claim_token=claim)
    if overdue_at is not None:
        rows = rows.filter(next_attempt_at__lt=overdue_at)
    with transaction.atomic():
        deleted, _ = rows.delete()
        if deleted and not refused:
            refuse(fax.transport, (fax.rx_result or {}).get(ANNOUNCEMENT) or {}, reason)
    return bool(deleted)


def download_and_file(fax_id: str) -> str:
    """One try at a receiving row: ``filed``, ``refused`` (the row ended), or ``skipped``
    (another worker has it, or it moved on). Raises DownloadLater when a later try may
    succeed and tries remain."""
    token = _claim(fax_id)
    if token is None:
        return "skipped"
    fax = Fax.objects.get(pk=fax_id)
    announcement = (fax.rx_result or {}).get(ANNOUNCEMENT)
    if not isinstance(announcement, dict) or not announcement.get("media_url"):
        end(fax, token, "the announcement kept for the download is unusable")
        return "refused"
    try:
        config = settings_for_key(fax.transport, announcement["config_key"])
        data, content_type = fetch_media(fax.transport, config, announcement)
    except CallbackRejected:
        end(fax, token, "carrier configuration removed before the download")
        return "refused"
    except CarrierHTTPError as exc:
        if exc.permanent or fax.attempt_count >= DOWNLOAD_TRIES:
            end(fax, token, f"media download failed: {exc.message}")
            return "refused"
        wait = backoff(fax.attempt_count, 30, 3600, jitter=0)
        # Free the row for the retry; the sweeper sends it again if that message is lost.
        due = timezone.now() + wait + timedelta(seconds=settings.FAXPORTAL_REQUEUE_AFTER)
        Fax.objects.filter(pk=fax_id, claim_token=token).update(claim_token="", next_attempt_at=due)
        raise DownloadLater(wait, exc) from exc
    pages = announcement.get("pages")
    rx_result = {
        "success": True,
        "result_text": "OK",
        "carrier": fax.transport,
        "total_pages": str(pages or ""),
        "transferred_pages": str(pages or ""),
        "remote_station_id": announcement.get("remote_station_id", ""),
    }
    filename = "fax.tiff" if "tif" in content_type else "fax.pdf"
    try:
        filed = inbound.file_receiving(
            fax, token, data=data, filename=filename, rx_result=rx_result
        )
    except UnroutableNumber as exc:
        end(fax, token, str(exc), refused=True)  # file_receiving logged the refusal
        return "refused"
    except DocumentRejected as exc:
        end(fax, token, f"unreadable document: {exc.message}")
        return "refused"
    return "filed" if filed else "skipped"


@portal_task(
    name="faxes.download_receiving",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=None,  # bounded by the row's tries (DOWNLOAD_TRIES), which survive rescues
)
def download_receiving_task(self, fax_id: str) -> str:
    try:
        return download_and_file(fax_id)
    except DownloadLater as later:
        raise self.retry(countdown=later.wait.total_seconds()) from later


def rescue(now: datetime) -> int:
    """Receiving rows overdue (no worker took the message, the worker died, a retry went
    missing): send their download again, or end those whose tries are spent. Returns how
    many were sent again. Run by the sweeper."""
    sent = 0
    overdue = Fax.objects.filter(status=S.RECEIVING, next_attempt_at__lt=now)
    for fax in overdue.only("id", "transport", "attempt_count", "rx_result").iterator():
        if fax.attempt_count >= DOWNLOAD_TRIES:
            reason = f"download not completed after {fax.attempt_count} tries"
            end(fax, None, reason, overdue_at=now)
            continue
        with transaction.atomic():
            again = now + timedelta(seconds=settings.FAXPORTAL_REQUEUE_AFTER)
            if Fax.objects.filter(pk=fax.pk, status=S.RECEIVING, next_attempt_at__lt=now).update(
                claim_token="", next_attempt_at=again
            ):
                download_receiving_task.delay_on_commit(fax.pk)
                sent += 1
    return sent
