"""The e-mail-to-fax log as the surfaces read it (Kazoo ``/faxes/smtplog``, the UI, admin).

Every message offered to a faxbox address has a row (``SmtpLog``), accepted or refused.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from accounts.models import Account
from faxes.models import Faxbox, SmtpLog


def logs_for(
    account: Account,
    *,
    faxbox: Faxbox | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> QuerySet[SmtpLog]:
    """The account's log rows, newest first, optionally of one faxbox and a time range."""
    rows = SmtpLog.objects.for_account(account)
    if faxbox is not None:
        rows = rows.filter(faxbox=faxbox)
    if created_from is not None:
        rows = rows.filter(created_at__gte=created_from)
    if created_to is not None:
        rows = rows.filter(created_at__lte=created_to)
    return rows.order_by("-created_at", "-id")


def log_entry(account: Account, log_id: str, *, faxbox: Faxbox | None = None) -> SmtpLog | None:
    """One row of the account (by its id, or Kazoo's ``YYYYMM-<id>``), else None."""
    plain = log_id.rpartition("-")[2]
    return logs_for(account, faxbox=faxbox).filter(pk=plain).first()


def kazoo_row(entry: SmtpLog) -> dict:
    """Kazoo's list row: ``{"id", "from", "to", "error", "created"}`` (``created`` is
    left to the surface: it writes Gregorian seconds)."""
    return {
        "id": f"{entry.created_at:%Y%m}-{entry.pk}",
        "from": entry.from_address,
        "to": entry.to_address,
        "error": entry.errors[0] if entry.errors else "",
    }


def kazoo_document(entry: SmtpLog) -> dict:
    """Kazoo's ``fax_smtp_log`` document, with this portal's additions (``status``,
    ``message_id``, ``subject``, ``recipients``, ``fax_ids``, ``authenticated_by``)."""
    faxbox = entry.faxbox
    owner = faxbox.owner if faxbox is not None else None
    return {
        **kazoo_row(entry),
        "original_number": entry.original_number,
        "translated_number": entry.translated_number,
        "faxbox_domain": faxbox.custom_smtp_email_address or faxbox.smtp_email_address
        if faxbox is not None
        else "",
        "faxbox_owner_id": owner.pk if owner is not None else None,
        "faxbox_owner_email": owner.email if owner is not None else "",
        "content_type": entry.content_type,
        "filename": entry.filename,
        "errors": list(entry.errors),
        "account_id": entry.account_id,
        "faxbox_id": entry.faxbox_id,
        "faxdoc_id": entry.fax_id,
        "status": entry.status,
        "message_id": entry.message_id,
        "subject": entry.subject,
        "recipients": list(entry.recipients),
        "fax_ids": list(entry.fax_ids),
        "authenticated_by": entry.authenticated_by,
    }
