"""Who owns a phone number."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import Account
from faxes.models import FaxNumber
from faxes.phone import normalize_e164


def account_owning(phone: str) -> Account | None:
    """The account one of whose faxboxes has ``phone`` (any spelling), else None."""
    try:
        number = normalize_e164(phone)
    except ValidationError:
        return None
    owner = FaxNumber.objects.select_related("account").filter(number=number).first()
    return owner.account if owner else None
