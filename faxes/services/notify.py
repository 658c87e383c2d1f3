"""E-mail notifications: a fax arrived, a fax was delivered or failed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from accounts.languages import language_for
from accounts.models import User
from faxes import failures
from faxes.documents.header import local_time
from faxes.models import Direction, Fax, FaxStatus, SmtpLog
from faxes.services import mail_replies, receipts
from faxes.services.contacts import contact_names
from faxes.services.wording import fax_language
from faxportal.celery import portal_task

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
    # Translators: a strftime format, the times in notification e-mails.
    written = moment.strftime(gettext("%Y-%m-%d %H:%M"))
    return f"{written} ({zone})"


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
    owner_email = faxbox.owner.email if faxbox.owner else ""
    return _unique([*faxbox.notify_inbound_emails, owner_email])


def outbound_recipients(fax: Fax) -> list[str]:
    faxbox_list = fax.faxbox.notify_outbound_emails if fax.faxbox else []
    return _unique([*(fax.notify_emails or []), *faxbox_list])


def _by_language(fax: Fax, addresses: list[str], fallback: str) -> dict[str, list[str]]:
    """The recipients grouped by the language each reads: a user of the account with that
    address reads theirs; anyone else reads ``fallback``."""
    wanted = {a.lower() for a in addresses}
    people = (
        User.objects.filter(account_id=fax.account_id)
        .annotate(address=Lower("email"))
        .filter(address__in=wanted)
        .select_related("account")
    )
    chosen = {person.address: language_for(person) for person in people if person.language}
    groups: dict[str, list[str]] = {}
    for address in addresses:
        groups.setdefault(chosen.get(address.lower(), fallback), []).append(address)
    return groups


def fax_link(fax: Fax) -> str:
    """The fax's page in the portal, absolute (``FAXPORTAL_BASE_URL``)."""
    return settings.FAXPORTAL_BASE_URL.rstrip("/") + reverse("fax-detail", args=[fax.pk])


def _sender(fax: Fax) -> str:
    """Who sent it: the address book's name and the number, the number, or unknown."""
    if not fax.from_number:
        return gettext("an unknown number")
    name = contact_names(fax.account, [fax]).get(fax.from_number) or fax.from_name
    return f"{name} ({fax.from_number})" if name else fax.from_number


def _inbound_message(fax: Fax, recipients: list[str]) -> EmailMessage:
    assert fax.faxbox is not None  # only a fax filed in a faxbox has inbound recipients
    sender = _sender(fax)
    pages = fax.pages or "?"
    subject = ngettext(
        "Fax from %(sender)s (%(pages)s page)",
        "Fax from %(sender)s (%(pages)s pages)",
        fax.pages or 0,
    ) % {"sender": sender, "pages": pages}
    body = gettext(
        "A fax arrived in %(faxbox)s.\n\n"
        "From: %(sender)s\nTo: %(to)s\nPages: %(pages)s\n"
        "Received: %(when)s\nRemote station: %(station)s\n"
    ) % {
        "faxbox": fax.faxbox.name,
        "sender": sender,
        "to": fax.to_number,
        "pages": fax.pages,
        "when": _when(fax),
        "station": fax.remote_station_id or "-",
    }
    body += "\n" + gettext("See it in the portal: %(link)s") % {"link": fax_link(fax)} + "\n"
    return EmailMessage(subject=subject, body=body, to=recipients)


def notify_inbound(fax_id: str) -> int:
    """Send the arrival e-mail of a received fax, once: the fax is claimed by a conditional
    update of ``inbound_mailed_at``; a send that fails gives the claim back (the task is
    retried, the sweeper sends it again)."""
    if not Fax.objects.filter(pk=fax_id, inbound_mailed_at__isnull=True).update(
        inbound_mailed_at=timezone.now()
    ):
        return 0  # mailed already (or being mailed)
    try:
        return _send_inbound(fax_id)
    except BaseException:
        Fax.objects.filter(pk=fax_id).update(inbound_mailed_at=None)
        raise


def _send_inbound(fax_id: str) -> int:
    fax = Fax.objects.select_related("faxbox__owner", "account").get(pk=fax_id)
    recipients = inbound_recipients(fax)
    if not recipients:
        return 0
    sent = 0
    for language, group in _by_language(fax, recipients, language_for(None, fax.account)).items():
        with translation.override(language):
            message = _inbound_message(fax, group)
        _attach(message, fax)
        sent += message.send()
    return sent


def rescue_inbound(now: datetime) -> int:
    """Received faxes whose e-mail is overdue (OCR that never finished, a lost task): sent
    now, with the PDF they have. Run by the sweeper; returns how many were sent."""
    before = now - timedelta(seconds=settings.FAXPORTAL_INBOUND_MAIL_WAIT)
    overdue = Fax.objects.filter(
        direction=Direction.INBOUND,
        status=FaxStatus.RECEIVED,
        inbound_mailed_at__isnull=True,
        created_at__lt=before,
    ).values_list("pk", flat=True)
    sent = 0
    for fax_id in overdue[:500]:
        notify_inbound_task.delay(fax_id)
        sent += 1
    return sent


def _outbound_message(fax: Fax, recipients: list[str]) -> EmailMessage:
    facts = {"to": fax.to_number, "pages": fax.pages, "attempts": fax.attempt_count}
    if fax.status == FaxStatus.DELIVERED:
        subject = gettext("Fax to %(to)s delivered") % facts
        body = gettext("Your fax to %(to)s delivered.") % facts
    else:
        subject = gettext("Fax to %(to)s failed") % facts
        body = gettext("Your fax to %(to)s failed.") % facts
    body += "\n\n" + gettext("Pages: %(pages)s\nAttempts: %(attempts)s\nFinished: %(when)s\n") % {
        **facts,
        "when": _when(fax),
    }
    if fax.status == FaxStatus.FAILED:
        reason = fax.error_message or gettext("unknown")
        if fax.error_code:
            body += gettext("Reason: %(reason)s (code %(code)s)\n") % {
                "reason": reason,
                "code": fax.error_code,
            }
        else:
            body += gettext("Reason: %(reason)s\n") % {"reason": reason}
        # The plain words of the failure table, in the reader's language.
        notice = failures.notice(fax, failures.last_finished_attempt(fax))
        if notice is not None:
            body += "\n" + gettext(
                "What happened: %(explanation)s\nWhat to do: %(advice)s\nFailure: %(code)s\n"
            ) % {"explanation": notice.explanation, "advice": notice.advice, "code": notice.code}
    return EmailMessage(subject=subject, body=body, to=recipients)


def _reply_to_sender(fax: Fax, entry: SmtpLog) -> int:
    """The result for the sender of the e-mail the fax was made from: threaded on their
    message, with the receipt PDF when delivered (the plain explanation when failed)."""
    language = _by_language(fax, [entry.header_from], fax_language(fax))
    with translation.override(next(iter(language))):
        message = _outbound_message(fax, [entry.header_from])
        message.subject = mail_replies.result_subject(entry, fax)
    message.extra_headers.update(mail_replies.reply_headers(entry))
    if fax.status == FaxStatus.DELIVERED:
        message.attach(f"receipt-{fax.pk[:8]}.pdf", receipts.receipt_pdf(fax), "application/pdf")
    return message.send()


def notify_outbound(fax_id: str) -> int:
    fax = Fax.objects.select_related("faxbox", "account", "owner").get(pk=fax_id)
    recipients = outbound_recipients(fax)
    if not recipients or fax.status not in (FaxStatus.DELIVERED, FaxStatus.FAILED):
        return 0
    sent = 0
    entry = mail_replies.origin(fax)
    if entry is not None and entry.header_from.lower() in (r.lower() for r in recipients):
        recipients = [r for r in recipients if r.lower() != entry.header_from.lower()]
        sent += _reply_to_sender(fax, entry)
    if not recipients:
        return sent
    for language, group in _by_language(fax, recipients, fax_language(fax)).items():
        with translation.override(language):
            message = _outbound_message(fax, group)
        _attach(message, fax)
        sent += message.send()
    return sent


@portal_task(
    name="faxes.notify_inbound", acks_late=True, ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8,
)  # fmt: skip
def notify_inbound_task(fax_id: str) -> int:
    return notify_inbound(fax_id)


@portal_task(
    name="faxes.notify_outbound", acks_late=True, ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8,
)  # fmt: skip
def notify_outbound_task(fax_id: str) -> int:
    return notify_outbound(fax_id)
