"""Receiving: route a fax to the faxbox that owns the called number and file it."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime
from typing import Any, ClassVar, NoReturn, cast

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from faxes import lifecycle, routing
from faxes.documents import DocumentRejected, RejectionCode, convert_inbound, make_previews
from faxes.failures import FaxFailure
from faxes.models import (
    Direction,
    Fax,
    FaxStatus,
    InboundRefusal,
    fax_folder,
)
from faxes.phone import normalize_e164
from faxes.services import audit, ocr
from faxes.services.notify import notify_inbound_task

log = logging.getLogger(__name__)

MAX_CARRIER_FAX_ID = cast(int, Fax._meta.get_field("carrier_fax_id").max_length)  # a CharField


class UnroutableNumber(FaxFailure):
    """The fax enters no account: no faxbox owns the called number, or the delivery itself
    is unusable (e.g. a malformed carrier fax id). Always logged as an ``InboundRefusal``."""

    default_failure: ClassVar[str] = "not_routable"
    reads_message: ClassVar[bool] = True  # "the account is disabled": recipient_disabled


def _refuse(
    to_number: Any,
    from_number: Any,
    transport: str,
    carrier_fax_id: Any,
    reason: str,
    failure: str | None = None,
) -> NoReturn:
    # str(): the refusal is logged whatever type the caller passed.
    InboundRefusal.objects.create(
        to_number=str(to_number or "")[:20], from_number=str(from_number or "")[:20],
        transport=transport[:32], carrier_fax_id=str(carrier_fax_id or "")[:128],
        reason=reason[:255],
    )  # fmt: skip
    log.warning("refused inbound fax to %s from %s: %s", to_number, from_number, reason)
    raise UnroutableNumber(reason, failure=failure)


def receive_fax(
    *,
    to_number: str,
    from_number: str,
    data: bytes,
    transport: str,
    carrier_fax_id: str,
    filename: str = "",
    remote_station_id: str = "",
    rx_result: dict[str, Any] | None = None,
    received_at: datetime | None = None,
) -> Fax:
    """File a received fax (TIFF or PDF bytes) in the faxbox owning ``to_number``.

    Idempotent on (transport, carrier_fax_id): a repeated delivery returns the
    fax filed the first time. Raises ``UnroutableNumber`` (and logs an
    ``InboundRefusal``) when no faxbox owns the number; raises
    ``DocumentRejected`` when the document is unreadable. Without a ``carrier_fax_id``
    there is nothing to recognise a repeat by, so every delivery is filed.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DocumentRejected(RejectionCode.CORRUPT, "The received document is not binary data.")
    if not isinstance(carrier_fax_id, str) or len(carrier_fax_id) > MAX_CARRIER_FAX_ID:
        _refuse(to_number, from_number, transport, carrier_fax_id, "malformed carrier fax id")
    if carrier_fax_id:
        existing = Fax.objects.filter(
            direction=Direction.INBOUND, transport=transport, carrier_fax_id=carrier_fax_id
        ).first()
        if existing is not None:
            return existing
    destination = routing.route(to_number)
    if not destination.may_receive:
        failure = "recipient_disabled" if destination.refusal == routing.DISABLED else None
        _refuse(
            destination.called, from_number, transport, carrier_fax_id, destination.refusal, failure
        )
    owner = destination.owner
    assert owner is not None  # a route that may receive has its owner
    called = destination.called
    caller = caller_number(from_number)
    fax = Fax(
        account=owner.account,
        faxbox=owner.faxbox,
        owner=owner.faxbox.owner,
        direction=Direction.INBOUND,
        status=FaxStatus.RECEIVED,
        from_number=caller,
        to_number=called,
        transport=transport,
        carrier_fax_id=carrier_fax_id,
        remote_station_id=str(remote_station_id or "")[:32],
        rx_result=rx_result,
        completed_at=received_at or timezone.now(),
        status_changed_at=timezone.now(),
    )
    stored: list[str | None] = []
    try:
        stored = _store_document(fax, data, filename)
        with transaction.atomic():
            fax.save()
            if received_at is None:
                # Received when filed (after conversion), never before its creation.
                fax.completed_at = fax.created_at
                Fax.objects.filter(pk=fax.pk).update(completed_at=fax.created_at)
            lifecycle.record_initial(fax, f"received via {transport}")
            _filed(fax)
    except IntegrityError:
        _delete(fax.document.storage, stored)
        if not carrier_fax_id:
            raise
        # The same carrier fax was filed concurrently: keep that one.
        return Fax.objects.get(
            direction=Direction.INBOUND, transport=transport, carrier_fax_id=carrier_fax_id
        )
    except BaseException:
        _delete(fax.document.storage, stored)
        raise
    return fax


def file_receiving(
    fax: Fax, claim: str, *, data: bytes, filename: str = "", rx_result: dict[str, Any]
) -> bool:
    """Fill a ``receiving`` row (made when a carrier announced the fax) with its document
    and move it to ``received``, as the download worker holding ``claim``. The number is
    routed again (its faxbox may have gone meanwhile: ``UnroutableNumber``, logged);
    ``DocumentRejected`` when the document is unreadable. False when the row moved on
    (filed or ended by another worker): nothing is stored then."""
    destination = routing.route(fax.to_number)
    if not destination.may_receive:
        _refuse(destination.called, fax.from_number, fax.transport, fax.carrier_fax_id,
                destination.refusal)  # fmt: skip
    owner = destination.owner
    assert owner is not None  # a route that may receive has its owner
    stored = _store_document(fax, data, filename)
    try:
        with transaction.atomic():
            moved = lifecycle.transition(
                fax.pk, [FaxStatus.RECEIVING], FaxStatus.RECEIVED,
                f"received via {fax.transport}", claim=claim, claim_token="",
                next_attempt_at=None, account_id=owner.account.pk, faxbox_id=owner.faxbox.pk,
                owner_id=owner.faxbox.owner_id, pages=fax.pages, document=fax.document.name,
                tiff=fax.tiff.name, thumbnail=fax.thumbnail.name, rx_result=rx_result,
            )  # fmt: skip
            if moved:
                fax.refresh_from_db()
                _filed(fax)
    except BaseException:
        _delete(fax.document.storage, stored)
        raise
    if not moved:
        _delete(fax.document.storage, stored)
    return moved


def caller_number(from_number: Any) -> str:
    """The caller's number as filed: E.164, or blank when anonymous or malformed."""
    try:
        return normalize_e164(str(from_number)) if from_number else ""
    except Exception:
        return ""  # keep the fax, drop the number


def _store_document(fax: Fax, data: bytes, filename: str) -> list[str | None]:
    """Convert the received document and store its PDF, fax TIFF and previews on ``fax``
    (not saved); the names stored, for clean-up if filing fails."""
    stored: list[str | None] = []
    try:
        with tempfile.NamedTemporaryFile(suffix=".tiff") as tmp:
            converted = convert_inbound(data, tmp.name, filename=filename)
            fax.pages = converted.page_count
            fax.document.save("fax.pdf", ContentFile(converted.pdf), save=False)
            stored.append(fax.document.name)
            with open(tmp.name, "rb") as handle:
                fax.tiff.save("fax.tiff", File(handle), save=False)
            stored.append(fax.tiff.name)
        previews = make_previews(converted.pdf, fax.document.storage, fax_folder(fax))
        fax.thumbnail.name = previews.thumbnail
        stored.extend([previews.thumbnail, *previews.pages])
    except BaseException:
        _delete(fax.document.storage, stored)
        raise
    return stored


def _filed(fax: Fax) -> None:
    """What filing a fax records: the audit event, the inbound e-mail and the text layer
    (both on commit: the fax is filed whatever becomes of them). When OCR will read the
    fax, its e-mail goes once OCR ends, with the searchable PDF (faxes.services.ocr)."""
    # A dict because "from" is a keyword; typed Any, as record()'s **details takes.
    details: dict[str, Any] = {"from": fax.from_number, "to": fax.to_number, "pages": fax.pages,
                               "transport": fax.transport}  # fmt: skip
    audit.record("fax.received", account=fax.account, fax=fax, **details)
    if not ocr.queue(fax):
        notify_inbound_task.delay_on_commit(fax.pk)


def _delete(storage, names: list[str | None]) -> None:
    for name in names:
        if name:
            try:
                storage.delete(name)
            except Exception:  # pragma: no cover - best effort
                log.exception("could not delete %s", name)
