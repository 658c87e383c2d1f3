"""Domain operations on faxboxes and faxes. Views, API and tasks call these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from accounts.models import Account
from faxes.models import Faxbox, FaxNumber
from faxes.phone import normalize_all


def normalized_numbers(numbers: list[str], faxbox: Faxbox | None = None) -> list[str]:
    normalized, errors = normalize_all(numbers)
    for number in list(normalized):
        taken = FaxNumber.objects.filter(number=number)
        if faxbox is not None:
            taken = taken.exclude(faxbox=faxbox)
        if taken.exists():
            errors.append(
                gettext("%(number)s already belongs to another faxbox.") % {"number": number}
            )
            normalized.remove(number)
    if errors:
        raise ValidationError({"numbers": errors})
    return normalized


@transaction.atomic
def create_faxbox(
    account: Account,
    *,
    name: str,
    numbers: list[str] | None = None,
    caller_name: str = "",
    timezone_name: str | None = None,
    retries: int = 3,
) -> Faxbox:
    normalized = normalized_numbers(numbers or [])
    faxbox = Faxbox(
        account=account,
        name=name.strip(),
        caller_id=normalized[0] if normalized else "",
        caller_name=caller_name or account.name[:64],
        fax_header=account.name[:64],
        fax_timezone=timezone_name or account.timezone,
        retries=retries,
    )
    faxbox.full_clean()
    faxbox.save()
    FaxNumber.objects.bulk_create(
        FaxNumber(number=number, account=account, faxbox=faxbox) for number in normalized
    )
    return faxbox
