"""Fax status transitions: which are allowed, and how they are made safely.

Every change of ``Fax.status`` goes through ``transition``: a conditional
UPDATE (``WHERE status IN (expected)``) so two workers, or a worker and a
user cancelling, can never both win; the winner records a FaxEvent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from faxes.models import Fax, FaxEvent, FaxStatus
from faxes.signals import fax_status_changed

S = FaxStatus

ALLOWED: dict[str, frozenset[str]] = {
    "": frozenset({S.SCHEDULED, S.QUEUED, S.RECEIVING, S.RECEIVED}),
    S.SCHEDULED: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.CONVERTING, S.CANCELLED, S.FAILED}),
    # converting → queued: a worker died mid-conversion (sweeper); converting
    # → retrying: a document URL answered with a transient error.
    S.CONVERTING: frozenset({S.SENDING, S.FAILED, S.RETRYING, S.QUEUED, S.CANCELLED}),
    # sending → queued: the worker died mid-send (sweeper); delivery is idempotent.
    S.SENDING: frozenset({S.DELIVERED, S.FAILED, S.RETRYING, S.QUEUED}),
    S.RETRYING: frozenset({S.QUEUED, S.CANCELLED}),
    S.RECEIVING: frozenset({S.RECEIVED}),
}

FINAL = frozenset({S.DELIVERED, S.FAILED, S.CANCELLED, S.RECEIVED})
CANCELLABLE = frozenset({S.SCHEDULED, S.QUEUED, S.CONVERTING, S.RETRYING})
IN_FLIGHT = frozenset({S.CONVERTING, S.SENDING})


def check_allowed(from_statuses: Iterable[str], to_status: str) -> None:
    for status in from_statuses:
        if to_status not in ALLOWED.get(status, frozenset()):
            raise ValueError(f"transition {status!r} → {to_status!r} is not allowed")


def transition(
    fax_id: str,
    from_statuses: Iterable[str],
    to_status: str,
    reason: str = "",
    *,
    claim: str | None = None,
    **fields: Any,
) -> bool:
    """Move a fax from one of ``from_statuses`` to ``to_status``; False if it was elsewhere.

    With ``claim``, the move also requires the fax to still carry that worker's
    claim token. ``fields`` are written in the same UPDATE (e.g. ``error_message``).
    """
    expected = list(from_statuses)
    check_allowed(expected, to_status)
    now = timezone.now()
    if to_status == S.QUEUED:
        fields.setdefault("claim_token", "")  # whoever held it has lost it
    with transaction.atomic():
        candidates = Fax.objects.select_for_update().filter(pk=fax_id, status__in=expected)
        if claim is not None:
            candidates = candidates.filter(claim_token=claim)
        fax = candidates.only("id", "account_id", "status").first()
        if fax is None:
            return False
        if to_status in FINAL and "completed_at" not in fields:
            fields["completed_at"] = now
        Fax.objects.filter(pk=fax_id).update(
            status=to_status, status_changed_at=now, updated_at=now, **fields
        )
        FaxEvent.objects.create(
            fax_id=fax_id,
            account_id=fax.account_id,
            from_status=fax.status,
            to_status=to_status,
            reason=reason[:500],
        )
        _announce(fax_id, fax.account_id, fax.status, to_status)
    return True


def _announce(fax_id: str, account_id: str, from_status: str, to_status: str) -> None:
    def send() -> None:
        fax_status_changed.send(
            sender=Fax, fax_id=fax_id, account_id=account_id,
            from_status=from_status, to_status=to_status,
        )  # fmt: skip

    transaction.on_commit(send)


def record_initial(fax: Fax, reason: str) -> None:
    """The first event of a new fax (its creation state)."""
    FaxEvent.objects.create(
        fax=fax, account_id=fax.account_id, from_status="", to_status=fax.status, reason=reason
    )
    _announce(fax.pk, fax.account_id, "", fax.status)
