"""Numbers given to a faxbox the Kazoo way: callflows of module ``faxbox``.

A callflow's numbers are FaxNumber rows of its faxbox with ``callflow`` set (see
``Callflow``), so a number stays unique portal-wide whichever way it was assigned
(UI, admin, callflow), and routing needs nothing new.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Account
from faxes.models import Callflow, Faxbox, FaxNumber


class NumbersTaken(Exception):
    """Some numbers belong elsewhere; ``conflicts`` maps each to a message."""

    def __init__(self, conflicts: dict[str, str]):
        super().__init__(", ".join(conflicts))
        self.conflicts = conflicts


def numbers_of(callflow: Callflow) -> list[str]:
    """The callflow's numbers, in the order they were given (uses a prefetch)."""
    return [row.number for row in sorted(callflow.fax_numbers.all(), key=lambda row: row.pk)]


def taken_numbers(
    account: Account, numbers: list[str], callflow: Callflow | None = None
) -> dict[str, str]:
    """Which of ``numbers`` are assigned elsewhere, with Crossbar-style messages. Another
    account's assignment is only said to be taken: its callflow or faxbox is not named."""
    taken = FaxNumber.objects.filter(number__in=numbers).select_related("callflow", "faxbox")
    if callflow is not None and callflow.pk:
        taken = taken.exclude(callflow=callflow)
    conflicts: dict[str, str] = {}
    for row in taken:
        if row.account_id != account.pk:
            conflicts[row.number] = f"Number {row.number} is not available"
        elif row.callflow is not None:
            conflicts[row.number] = (
                f"Number {row.number} exists in callflow {row.callflow.pk} {row.callflow.name}"
            ).rstrip()
        else:
            conflicts[row.number] = (
                f"Number {row.number} belongs to faxbox {row.faxbox.pk} {row.faxbox.name}"
            )
    return {number: conflicts[number] for number in numbers if number in conflicts}


def save_callflow(
    account: Account,
    *,
    faxbox: Faxbox,
    numbers: list[str],
    name: str = "",
    flow: dict | None = None,
    extra: dict | None = None,
    callflow: Callflow | None = None,
) -> Callflow:
    """Create (``callflow=None``) or replace a callflow routing ``numbers`` (E.164) to
    ``faxbox``. Raises NumbersTaken and changes nothing when a number is assigned
    elsewhere."""
    if faxbox.account_id != account.pk:
        raise ValueError("the faxbox belongs to another account")
    conflicts = taken_numbers(account, numbers, callflow)
    if conflicts:
        raise NumbersTaken(conflicts)
    callflow = callflow or Callflow(account=account)
    callflow.name, callflow.faxbox = name, faxbox
    callflow.flow, callflow.extra = flow or {}, extra or {}
    try:
        with transaction.atomic():
            callflow.save()
            callflow.fax_numbers.exclude(number__in=numbers).delete()
            kept = set(callflow.fax_numbers.values_list("number", flat=True))
            callflow.fax_numbers.exclude(faxbox=faxbox).update(faxbox=faxbox)
            for number in numbers:
                if number not in kept:
                    FaxNumber.objects.create(
                        number=number, account=account, faxbox=faxbox, callflow=callflow
                    )
    except IntegrityError:
        # Another request took a number between the check and the insert.
        conflicts = taken_numbers(account, numbers, callflow)
        raise NumbersTaken(
            conflicts or {n: f"Number {n} is not available" for n in numbers[:1]}
        ) from None
    return callflow


def delete_callflow(callflow: Callflow) -> None:
    """Delete it; its numbers are free again (their FaxNumber rows go with it)."""
    callflow.delete()
