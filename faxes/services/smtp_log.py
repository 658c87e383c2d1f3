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
    """One row of the account (and faxbox, when given) by its id, else None."""
    return logs_for(account, faxbox=faxbox).filter(pk=log_id).first()
