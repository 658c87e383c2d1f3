"""The one answer to "which faxbox owns this called number, and may it receive?".

Used by every inbound path (carrier callbacks, the loopback's on-net delivery, filing in
``faxes.services.inbound``) and by Kazoo's login by phone number, so they cannot disagree
on deleted faxboxes or disabled accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.models import Account
from faxes.models import FaxNumber
from faxes.phone import normalize_e164

INVALID = "not a valid number"
UNOWNED = "no faxbox owns this number"
DISABLED = "the account is disabled"


@dataclass(frozen=True)
class Route:
    called: str  # E.164, or the number as given when it is not one
    owner: FaxNumber | None  # with its faxbox and account loaded
    refusal: str = ""  # why it may not receive; blank when it may

    @property
    def may_receive(self) -> bool:
        return not self.refusal


def route(to_number: object) -> Route:
    """Where a fax to ``to_number`` goes: the live faxbox owning it, if its account may
    receive."""
    try:
        called = normalize_e164(str(to_number or ""))
    except ValidationError:
        return Route(called=str(to_number or ""), owner=None, refusal=INVALID)
    owner = (
        FaxNumber.objects.select_related("faxbox", "faxbox__owner", "account")
        .filter(number=called, faxbox__deleted_at__isnull=True)
        .first()
    )
    if owner is None:
        return Route(called=called, owner=None, refusal=UNOWNED)
    if not owner.account.enabled:
        return Route(called=called, owner=owner, refusal=DISABLED)
    return Route(called=called, owner=owner)


def account_owning(phone: str) -> Account | None:
    """The account one of whose live faxboxes has ``phone`` (any spelling), else None."""
    owner = route(phone).owner
    return owner.account if owner else None
