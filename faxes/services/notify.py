"""E-mail notifications: a fax arrived, a fax was delivered or failed."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from faxes.documents.header import local_time
from faxes.models import Fax, FaxStatus

log = logging.getLogger(__name__)


def _attach(message: EmailMessage, fax: Fax) -> None:
    kind = settings.FAXPORTAL_NOTIFY_ATTACHMENT
    field = fax.document if kind == "pdf" else fax.tiff if kind == "tiff" else None
    if not field:
        return
    with field.open("rb") as handle:
        data = handle.read()
    mime = "application/pdf" if kind == "pdf" else "image/tiff"
    message.attach(f"fax-{fax.pk[:8]}.{kind}", data, mime)


def _when(fax: Fax) -> str:
    zone = fax.local_timezone
    moment = local_time(fax.completed_at or timezone.now(), zone)
    return f"{moment:%Y-%m-%d %H:%M} ({zone})"


def _unique(addresses) -> list[str]:
    seen: list[str] = []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in (s.lower() for s in seen):
            seen.append(address)
    return seen


def inbound_recipients(fax: Fax) -> list[str]:
    faxbox = fax.faxbox
    if faxbox is None:
        return []
    owner_email = faxbox.owner.email if faxbox.owner_id else ""
    return _unique([*faxbox.notify_inbound_emails, owner_email])


def outbound_recipients(fax: Fax) -> list[str]:
    faxbox_list = fax.faxbox.notify_outbound_emails if fax.faxbox else []
    return _unique([*(fax.notify_emails or []), *faxbox_list])


def notify_inbound(fax_id: str) -> int:
    fax = Fax.objects.select_related("faxbox__owner", "account").get(pk=fax_id)
    recipients = inbound_recipients(fax)
    if not recipients:
        return 0
    sender = fax.from_number or "an unknown number"
    message = EmailMessage(
        subject=f"Fax from {sender} ({fax.pages or '?'} pages)",
        body=(
            f"A fax arrived in {fax.faxbox.name}.\n\n"
            f"From: {sender}\nTo: {fax.to_number}\nPages: {fax.pages}\n"
            f"Received: {_when(fax)}\nRemote station: {fax.remote_station_id or '-'}\n"
        ),
        to=recipients,
    )
    _attach(message, fax)
    return message.send()


def notify_outbound(fax_id: str) -> int:
    fax = Fax.objects.select_related("faxbox", "account").get(pk=fax_id)
    recipients = outbound_recipients(fax)
    if not recipients or fax.status not in (FaxStatus.DELIVERED, FaxStatus.FAILED):
        return 0
    outcome = "delivered" if fax.status == FaxStatus.DELIVERED else "failed"
    body = (
        f"Your fax to {fax.to_number} {outcome}.\n\n"
        f"Pages: {fax.pages}\nAttempts: {fax.attempt_count}\nFinished: {_when(fax)}\n"
    )
    if fax.status == FaxStatus.FAILED:
        body += f"Reason: {fax.error_message or 'unknown'}"
        body += f" (code {fax.error_code})\n" if fax.error_code else "\n"
    message = EmailMessage(subject=f"Fax to {fax.to_number} {outcome}", body=body, to=recipients)
    _attach(message, fax)
    return message.send()


@shared_task(
    name="faxes.notify_inbound", acks_late=True, ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8,
)  # fmt: skip
def notify_inbound_task(fax_id: str) -> int:
    return notify_inbound(fax_id)


@shared_task(
    name="faxes.notify_outbound", acks_late=True, ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8,
)  # fmt: skip
def notify_outbound_task(fax_id: str) -> int:
    return notify_outbound(fax_id)
