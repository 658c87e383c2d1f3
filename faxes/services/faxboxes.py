"""Every faxbox write: create, change, delete. The UI, the CLI, the demo seed and both
APIs translate their input into :class:`FaxboxSettings` and call :func:`save_faxbox`;
the rules (unique numbers and e-mail address, a known time zone, retry bounds, a T.30
station id, a paper size, valid notification addresses) are checked here once and raised as
``ValidationError`` by field. How staff type a caller ID is the form's to read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, User, validate_timezone
from faxes.models import AUTO_PAPER, Faxbox, FaxNumber, MailBody
from faxes.phone import normalize_all
from faxes.services.paper import check_paper_size
from faxes.services.retention import check_retention_days

NAME_LENGTH = 128
STATION_ID_LENGTH = 20  # T.30's TSI/CSI
TEXT_LENGTH = 64  # caller name, header text


class _Keep:
    """The value a faxbox already has (a new faxbox: the column's default)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class FaxboxSettings:
    """What a faxbox is set to, as the surface read it (texts already trimmed).

    ``numbers=None`` leaves its numbers as they are (Kazoo gives numbers through
    callflows); a list sets exactly those numbers. Fields left at ``KEEP`` are only
    written by the Kazoo API and stay as they are when the staff UI saves.
    """

    name: str
    numbers: list[str] | None = None
    caller_id: str = ""  # blank: the first number
    caller_name: str = ""
    fax_header: str = ""
    fax_identity: str = ""
    fax_timezone: str = "UTC"
    max_attempts: int = 3
    # "letter", "a4", "legal", "b4"; "auto" (or blank): by its number (Letter for +1, else A4).
    paper_size: str = KEEP
    notify_inbound_emails: list[str] | None = None
    notify_outbound_emails: list[str] | None = None
    retention_days: int | None = KEEP  # None: the account's retention
    custom_smtp_email_address: str | None = KEEP
    smtp_permission_list: list[str] = KEEP
    # What an e-mail's body becomes: "cover" (cover page), "none", "text" (a text page).
    mail_body: str = KEEP
    owner: User | None = KEEP
    extra: dict[str, Any] = KEEP


def normalized_numbers(numbers: list[str], faxbox: Faxbox | None = None) -> list[str]:
    """The numbers in E.164; refused when malformed or owned by another faxbox."""
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


def _emails(values: list[str] | None, field_name: str, errors: dict[str, list[str]]) -> list[str]:
    """Notification addresses: each a valid address, blanks and repeats dropped."""
    cleaned: list[str] = []
    for value in values or []:
        value = value.strip()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            errors.setdefault(field_name, []).append(
                gettext("%(value)s is not an e-mail address.") % {"value": repr(value)}
            )
            continue
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _fields(values: FaxboxSettings, faxbox: Faxbox | None) -> tuple[dict[str, Any], list | None]:
    errors: dict[str, list[str]] = {}
    if not values.name:
        errors["name"] = [gettext("A name is required.")]
    numbers = None
    if values.numbers is not None:
        try:
            numbers = normalized_numbers(values.numbers, faxbox)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        validate_timezone(values.fax_timezone)
    except ValidationError as exc:
        errors["fax_timezone"] = exc.messages
    if not 0 <= values.max_attempts <= settings.FAXPORTAL_MAX_RETRIES:
        # Reported under the name every surface gives it (forms, /api/v1, /v2).
        errors["retries"] = [
            gettext("Between 0 and %(max)s.") % {"max": settings.FAXPORTAL_MAX_RETRIES}
        ]
    if len(values.fax_identity) > STATION_ID_LENGTH:
        errors["fax_identity"] = [gettext("At most 20 characters (a T.30 station id).")]
    custom = values.custom_smtp_email_address
    if custom is not KEEP and custom:
        taken = Faxbox.objects.filter(custom_smtp_email_address__iexact=custom)
        if faxbox is not None:
            taken = taken.exclude(pk=faxbox.pk)
        if taken.exists():
            errors["custom_smtp_email_address"] = [gettext("This e-mail address is taken.")]
    retention_days = values.retention_days
    if retention_days is not KEEP:
        try:
            retention_days = check_retention_days(retention_days)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    paper_size = values.paper_size
    if paper_size is not KEEP:
        try:
            paper_size = check_paper_size(paper_size) or AUTO_PAPER
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if values.mail_body is not KEEP:
        try:
            check_mail_body(values.mail_body)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    inbound = _emails(values.notify_inbound_emails, "notify_inbound_emails", errors)
    outbound = _emails(values.notify_outbound_emails, "notify_outbound_emails", errors)
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": values.name[:NAME_LENGTH],
        "caller_id": values.caller_id or (numbers[0] if numbers else ""),
        "caller_name": values.caller_name[:TEXT_LENGTH],
        "fax_header": values.fax_header[:TEXT_LENGTH],
        "fax_identity": values.fax_identity,
        "fax_timezone": values.fax_timezone,
        "max_attempts": values.max_attempts,
        "notify_inbound_emails": inbound,
        "notify_outbound_emails": outbound,
    }
    if retention_days is not KEEP:
        fields["retention_days"] = retention_days
    if custom is not KEEP:
        fields["custom_smtp_email_address"] = custom or None
    if paper_size is not KEEP:
        fields["paper_size"] = paper_size
    for name in ("smtp_permission_list", "mail_body", "owner", "extra"):
        if getattr(values, name) is not KEEP:
            fields[name] = getattr(values, name)
    return fields, numbers


def save_faxbox(account: Account, values: FaxboxSettings, faxbox: Faxbox | None = None) -> Faxbox:
    """Create (``faxbox=None``) or change a faxbox of ``account``.

    A number already owned by another faxbox, anywhere in the portal, is refused, and
    so is another faxbox's e-mail address (also when a concurrent save takes it first).
    """
    fields, numbers = _fields(values, faxbox)
    target = faxbox if faxbox is not None else Faxbox(account=account)
    for name, value in fields.items():
        setattr(target, name, value)
    try:
        with transaction.atomic():
            target.save()  # a new faxbox gets its e-mail-to-fax address here
            if numbers is not None:
                _set_numbers(account, target, numbers)
    except IntegrityError:
        # A concurrent save took the same number or e-mail address between check and write.
        custom = fields.get("custom_smtp_email_address")
        taken = "custom_smtp_email_address" if custom else "numbers"
        raise ValidationError({taken: [gettext("Taken by another faxbox a moment ago.")]}) from None
    return target


def _set_numbers(account: Account, faxbox: Faxbox, wanted: list[str]) -> None:
    FaxNumber.objects.filter(faxbox=faxbox).exclude(number__in=wanted).delete()
    have = set(FaxNumber.objects.filter(faxbox=faxbox).values_list("number", flat=True))
    FaxNumber.objects.bulk_create(
        FaxNumber(number=n, account=account, faxbox=faxbox) for n in wanted if n not in have
    )


def create_faxbox(
    account: Account,
    *,
    name: str,
    numbers: list[str] | None = None,
    caller_name: str = "",
    timezone_name: str | None = None,
    max_attempts: int = 3,
) -> Faxbox:
    """A new faxbox named after its account unless told otherwise (CLI, new accounts)."""
    return save_faxbox(
        account,
        FaxboxSettings(
            name=name.strip(),
            numbers=numbers or [],
            caller_name=caller_name or account.name[:TEXT_LENGTH],
            fax_header=account.name[:TEXT_LENGTH],
            fax_timezone=timezone_name or account.timezone,
            max_attempts=max_attempts,
        ),
    )


def check_mail_body(value: object) -> str:
    """What an e-mail's body becomes (``MailBody``: cover, none, text), else refused."""
    if not isinstance(value, str) or value not in MailBody.values:
        raise ValidationError(
            {
                "mail_body": [
                    gettext("The e-mail body setting must be cover, none or text; got %(value)s.")
                    % {"value": repr(value)[:40]}
                ]
            }
        )
    return value


def set_faxbox_mail_body(faxbox: Faxbox, value: object) -> None:
    """Change only what the faxbox makes of an e-mail's body (/api/v1 PATCH)."""
    checked = check_mail_body(value)
    Faxbox.objects.filter(pk=faxbox.pk).update(mail_body=checked)
    faxbox.mail_body = checked


def set_faxbox_paper_size(faxbox: Faxbox, value: object) -> None:
    """Change only the faxbox's paper size ("auto", blank or None: by its number)."""
    checked = check_paper_size(value) or AUTO_PAPER
    Faxbox.objects.filter(pk=faxbox.pk).update(paper_size=checked)
    faxbox.paper_size = checked


def delete_faxbox(faxbox: Faxbox) -> None:
    """Soft-delete: the faxbox leaves every list, its faxes keep naming it."""
    faxbox.deleted_at = timezone.now()
    Faxbox.objects.filter(pk=faxbox.pk).update(deleted_at=faxbox.deleted_at)
