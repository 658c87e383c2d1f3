"""What an outbound fax says about its sender on the line: caller ID, TSI, header.

Clients may write any ``from_number`` (Kazoo keeps it, and every API echoes it), but
what is transmitted — the caller ID, the T.30 station id when it is a number, the
number on the header line, and so the sender an on-net receiver sees — is always a
number the sending account owns. Otherwise account A could fax account B's
customers looking like B. Every surface (UI, /api/v1, /v2, e-mail, resubmit,
forward) sends through ``process_fax``, which asks this module once per rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from faxes.documents import FaxHeader
from faxes.models import Fax, Faxbox, FaxNumber
from faxes.phone import normalize_e164


@dataclass(frozen=True)
class Sender:
    caller_id: str  # E.164, owned by the account; "" when it owns no number at all
    station_id: str  # T.30 TSI (at most 20 printable characters)


def _number(value: str) -> str | None:
    try:
        return normalize_e164(value) if value else None
    except ValidationError:
        return None


def owns_number(account_id: str, number: str) -> bool:
    """A number of one of the account's faxboxes; or, for a number no faxbox of the
    portal has (an outside line), a caller ID one of its own faxboxes declares."""
    owners = set(FaxNumber.objects.filter(number=number).values_list("account_id", flat=True))
    if owners:
        return owners == {account_id}
    return (
        Faxbox.objects.live().filter(account_id=account_id, caller_id=number)
        .exists()
    )  # fmt: skip


def _fallbacks(fax: Fax) -> list[str]:
    """The faxbox's caller ID and numbers, then the account's, in that order."""
    candidates = []
    if fax.faxbox is not None:
        candidates.append(fax.faxbox.caller_id)
        candidates += list(fax.faxbox.numbers.order_by("pk").values_list("number", flat=True))
    candidates += list(
        FaxNumber.objects.filter(account_id=fax.account_id, faxbox__deleted_at__isnull=True)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    return candidates


def choose_sender(fax: Fax) -> Sender:
    """The caller ID and TSI ``fax`` may transmit."""
    caller_id = ""
    for candidate in [fax.from_number, *_fallbacks(fax)]:
        number = _number(candidate)
        if number and owns_number(fax.account_id, number):
            caller_id = number
            break
    identity = fax.identity_number or (fax.faxbox.fax_identity if fax.faxbox else "")
    identity_number = _number(identity)
    if not identity or (identity_number and not owns_number(fax.account_id, identity_number)):
        # A station id that is someone else's number is replaced like the caller ID;
        # a text one ("ACME CLINIC") names nobody else's line and is kept.
        identity = caller_id
    station_id = "".join(c for c in identity if " " <= c <= "~")[:20]
    return Sender(caller_id=caller_id, station_id=station_id)


def remember_sender(fax: Fax) -> Sender:
    """Choose and store what this rendering transmits (the transports read it)."""
    sender = choose_sender(fax)
    fax.sent_caller_id, fax.sent_station_id = sender.caller_id, sender.station_id
    Fax.objects.filter(pk=fax.pk).update(
        sent_caller_id=sender.caller_id, sent_station_id=sender.station_id
    )
    return sender


def header_for(fax: Fax, sent_at=None) -> FaxHeader:
    """The header line printed on every page (what the engine sends and the preview
    shows): the fax's own header text and time zone (Kazoo's ``fax_identity_name``,
    ``fax_timezone``), else the faxbox's, and the number really transmitted."""
    faxbox = fax.faxbox
    return FaxHeader(
        text=fax.identity_name or (faxbox.fax_header if faxbox else "") or fax.from_name,
        sender_number=fax.sent_caller_id or choose_sender(fax).caller_id,
        timezone=fax.local_timezone,
        sent_at=sent_at,
    )
