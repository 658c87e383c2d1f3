"""New faxes made from earlier ones: resubmitting a sent fax, forwarding a received one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from faxes import lifecycle
from faxes.models import DocumentPart, Fax, FaxDocument
from faxes.phone import normalize_e164
from faxes.services.outbound import create_outbound
from faxes.services.submit import replay


def resubmit_fax(fax: Fax, *, to_number: str | None = None, owner=None) -> Fax:
    """A new fax with the same document (Kazoo ``resubmit``/``forward``)."""
    if fax.direction != "outbound" or fax.status not in lifecycle.FINAL:
        raise ValidationError(gettext("Only a finished outbound fax can be resubmitted."))
    with transaction.atomic():
        return create_outbound(
            account=fax.account, faxbox=fax.faxbox, note=f"resubmitted from {fax.pk}",
            owner=owner or fax.owner, from_number=fax.from_number, from_name=fax.from_name,
            to_number=normalize_e164(to_number) if to_number else fax.to_number,
            to_name=fax.to_name, subject=fax.subject, cover=fax.cover,
            resolution=fax.resolution, paper_size=fax.paper_size, max_attempts=fax.max_attempts,
            source=fax.source, resubmitted_from=fax, notify_emails=fax.notify_emails,
            pages=fax.pages, estimated_line_seconds=fax.estimated_line_seconds,
            identity_name=fax.identity_name, identity_number=fax.identity_number,
            fax_timezone=fax.fax_timezone,
        )  # fmt: skip


def forward_fax(
    fax: Fax, *, to_number: str, faxbox=None, owner=None, idempotency_key: str = ""
) -> Fax:
    """Send a received fax's document on to another number (Kazoo inbox ``forward``).

    The new outbound fax leaves from ``faxbox`` (default: the faxbox that
    received it) with a fresh copy of the document, so purging either fax
    never takes the other's document away. An ``idempotency_key`` already used
    returns the fax that key created (the send path's replay, ``submit_fax``).
    """
    if idempotency_key:
        earlier = replay(fax.account, idempotency_key)
        if earlier is not None and earlier.faxes:
            return earlier.faxes[0]
    if fax.direction != "inbound" or not fax.document:
        raise ValidationError(
            gettext("Only a received fax that still has its document can be forwarded.")
        )
    number = normalize_e164(to_number)
    sender = faxbox or fax.faxbox
    with fax.document.open("rb") as handle:
        data = handle.read()
    try:
        return _forward(fax, data, number, sender, owner, idempotency_key)
    except IntegrityError:
        # A concurrent forward with the same key won the race.
        earlier = replay(fax.account, idempotency_key) if idempotency_key else None
        if earlier is None or not earlier.faxes:
            raise
        return earlier.faxes[0]


def _forward(fax: Fax, data: bytes, number: str, sender, owner, idempotency_key: str) -> Fax:
    with transaction.atomic():
        source = FaxDocument.objects.create(
            account_id=fax.account_id, idempotency_key=idempotency_key
        )
        part = DocumentPart(
            document=source, account_id=fax.account_id, position=0,
            filename=f"fax-{fax.pk[:8]}.pdf", content_type="application/pdf", size=len(data),
        )  # fmt: skip
        part.file.save("forwarded.pdf", ContentFile(data), save=False)
        part.save()
        return create_outbound(
            account=fax.account, faxbox=sender, note=f"forwarded from {fax.pk}", owner=owner,
            from_number=(sender.caller_id if sender else "") or fax.to_number,
            from_name=sender.caller_name if sender else "", to_number=number,
            resolution="fine", max_attempts=sender.max_attempts if sender else 1, source=source,
            pages=fax.pages,
        )  # fmt: skip
