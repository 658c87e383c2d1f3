"""Replies to the sender of an e-mail to fax: what became of the message, threaded on it
(``In-Reply-To``), through the configured outgoing mail backend. Marked
``Auto-Submitted: auto-replied``: the gateway refuses such mail, so a reply that comes back
(a loop) is never faxed."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accounts.languages import language_for
from faxes.models import SmtpLog, SmtpStatus

log = logging.getLogger(__name__)


def _reply(entry: SmtpLog, subject: str, body: str) -> EmailMessage:
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if entry.message_id:
        headers["In-Reply-To"] = entry.message_id
        headers["References"] = entry.message_id
    return EmailMessage(subject=subject, body=body, to=[entry.header_from], headers=headers)


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
