"""Replies to the sender of an e-mail to fax: what became of the message, threaded on it
(``In-Reply-To``), through the configured outgoing mail backend — the acknowledgement here,
the final result of each fax in faxes.services.notify (with ``reply_headers``). Marked
``Auto-Submitted: auto-replied``: the gateway refuses such mail, so a reply that comes back
(a loop) is never faxed."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accounts.languages import language_for
from faxes.models import Fax, FaxStatus, SmtpLog, SmtpStatus

log = logging.getLogger(__name__)


def reply_headers(entry: SmtpLog) -> dict[str, str]:
    """Threaded on the original message, and marked as an automatic reply (no loop)."""
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if entry.message_id:
        headers["In-Reply-To"] = entry.message_id
        headers["References"] = entry.message_id
    return headers


def _reply(entry: SmtpLog, subject: str, body: str) -> EmailMessage:
    return EmailMessage(subject=subject, body=body, to=[entry.header_from],
                        headers=reply_headers(entry))  # fmt: skip


def origin(fax: Fax) -> SmtpLog | None:
    """The e-mail a fax was made from (its log row lists the faxes made), if any."""
    candidates = SmtpLog.objects.filter(
        account_id=fax.account_id, status=SmtpStatus.ACCEPTED, fax_ids__icontains=fax.pk
    ).order_by("created_at")
    return next((entry for entry in candidates if fax.pk in entry.fax_ids), None)


def result_subject(entry: SmtpLog, fax: Fax) -> str:
    """The subject of the final result sent back to the sender (in the active language)."""
    facts = {"subject": entry.subject or gettext("(no subject)"), "to": fax.to_number}
    if fax.status == FaxStatus.DELIVERED:
        return gettext("Fax to %(to)s delivered: %(subject)s") % facts
    return gettext("Fax to %(to)s failed: %(subject)s") % facts


def acknowledge(entry: SmtpLog, pages: int | None) -> int:
    """Tell the sender the faxes are queued (or why none could be made). Returns the
    number of mails sent (0 without a sender address)."""
    if not entry.header_from:
        return 0
    with translation.override(language_for(None, entry.account)):
        original = entry.subject or gettext("(no subject)")
        if entry.status == SmtpStatus.ACCEPTED:
            count = len(entry.fax_ids)
            subject = gettext("Fax queued: %(subject)s") % {"subject": original}
            body = ngettext(
                "Your e-mail became %(count)s fax of about %(pages)s pages, now queued:",
                "Your e-mail became %(count)s faxes of about %(pages)s pages each, now queued:",
                count,
            ) % {"count": count, "pages": pages or "?"}
            body += "\n" + "\n".join(f"  {r.get('number', '')}" for r in entry.recipients)
            body += "\n\n" + gettext("Another e-mail will tell you the result of each fax.")
        else:
            subject = gettext("Fax not sent: %(subject)s") % {"subject": original}
            body = gettext("Your e-mail could not be faxed:") + "\n"
            body += "\n".join(f"  {error}" for error in entry.errors)
        message = _reply(entry, subject, body)
    try:
        return message.send()
    except OSError:  # the faxes are made; a mail server down loses only this notice
        log.warning("could not send the acknowledgement of %s", entry.pk, exc_info=True)
        return 0
