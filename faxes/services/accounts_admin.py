"""Operations behind the account admin pages: faxboxes, users and roles, API tokens,
and removing faxes. API-token work is delegated to ``accounts.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ApiToken, Role, User, validate_timezone
from accounts.services import IssuedToken, create_api_token, revoke_api_token
from faxes.models import Faxbox, FaxNumber
from faxes.phone import normalize_e164
from faxes.services.faxboxes import normalized_numbers
from faxes.services.retention import check_retention_days

# --- faxboxes -------------------------------------------------------------------


@dataclass(frozen=True)
class FaxboxSettings:
    name: str
    numbers: list[str]
    caller_id: str = ""
    caller_name: str = ""
    fax_header: str = ""
    fax_identity: str = ""
    fax_timezone: str = "UTC"
    retries: int = 3
    notify_inbound_emails: list[str] | None = None
    notify_outbound_emails: list[str] | None = None
    retention_days: int | None = None  # None: the account's retention


def _emails(values: list[str] | None, field: str, errors: dict[str, list[str]]) -> list[str]:
    cleaned: list[str] = []
    for value in values or []:
        value = value.strip()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            errors.setdefault(field, []).append(f"{value!r} is not an e-mail address.")
            continue
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _checked(values: FaxboxSettings, faxbox: Faxbox | None) -> dict:
    errors: dict[str, list[str]] = {}
    name = values.name.strip()
    if not name:
        errors["name"] = ["A name is required."]
    numbers: list[str] = []
    try:
        numbers = normalized_numbers(values.numbers, faxbox)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    caller_id = values.caller_id.strip()
    if caller_id:
        try:
            caller_id = normalize_e164(caller_id)
        except ValidationError as exc:
            errors["caller_id"] = exc.messages
    elif numbers:
        caller_id = numbers[0]
    try:
        validate_timezone(values.fax_timezone)
    except ValidationError as exc:
        errors["fax_timezone"] = exc.messages
    if not 0 <= values.retries <= settings.FAXPORTAL_MAX_RETRIES:
        errors["retries"] = [f"Between 0 and {settings.FAXPORTAL_MAX_RETRIES}."]
    if len(values.fax_identity) > 20:
        errors["fax_identity"] = ["At most 20 characters (a T.30 station id)."]
    retention_days = None
    try:
        retention_days = check_retention_days(values.retention_days)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    inbound = _emails(values.notify_inbound_emails, "notify_inbound_emails", errors)
    outbound = _emails(values.notify_outbound_emails, "notify_outbound_emails", errors)
    if errors:
        raise ValidationError(errors)
    return {
        "fields": {
            "name": name[:128],
            "caller_id": caller_id,
            "caller_name": values.caller_name.strip()[:64],
            "fax_header": values.fax_header.strip()[:64],
            "fax_identity": values.fax_identity.strip()[:20],
            "fax_timezone": values.fax_timezone,
            "retries": values.retries,
            "retention_days": retention_days,
            "notify_inbound_emails": inbound,
            "notify_outbound_emails": outbound,
        },
        "numbers": numbers,
    }


@transaction.atomic
def save_faxbox(account: Account, values: FaxboxSettings, faxbox: Faxbox | None = None) -> Faxbox:
    """Create (``faxbox=None``) or change a faxbox and set exactly these numbers.

    A number already owned by another faxbox, anywhere in the portal, is refused.
    """
    checked = _checked(values, faxbox)
    if faxbox is None:
        faxbox = Faxbox(account=account)
    for field, value in checked["fields"].items():
        setattr(faxbox, field, value)
    faxbox.save()
    wanted = checked["numbers"]
    FaxNumber.objects.filter(faxbox=faxbox).exclude(number__in=wanted).delete()
    have = set(FaxNumber.objects.filter(faxbox=faxbox).values_list("number", flat=True))
    FaxNumber.objects.bulk_create(
        FaxNumber(number=n, account=account, faxbox=faxbox) for n in wanted if n not in have
    )
    return faxbox


# --- users and roles --------------------------------------------------------------


def _other_active_admins(user: User) -> bool:
    return (
        User.objects.filter(account_id=user.account_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    )


def create_user(
    account: Account,
    *,
    email: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> User:
    errors: dict[str, list[str]] = {}
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    else:
        if User.objects.filter(username__iexact=email).exists():
            errors["email"] = [f"A user {email} already exists."]
    if role not in Role.values:
        errors["role"] = ["Choose admin, staff or viewer."]
    try:
        validate_password(password, User(username=email, email=email))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = User(
        username=email,
        email=email,
        account=account,
        role=role,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
    )
    user.set_password(password)
    user.save()
    return user


def change_role(user: User, role: str, *, acting: User) -> None:
    if role not in Role.values:
        raise ValidationError({"role": ["Choose admin, staff or viewer."]})
    if user.pk == acting.pk:
        raise ValidationError({"role": ["You cannot change your own role."]})
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(user):
        raise ValidationError({"role": ["The account needs at least one active admin."]})
    User.objects.filter(pk=user.pk).update(role=role)
    user.role = role


def set_active(user: User, active: bool, *, acting: User) -> None:
    """Disable or re-enable a login; a disabled user's sessions end at their next request."""
    if user.pk == acting.pk:
        raise ValidationError({"is_active": ["You cannot disable your own login."]})
    if not active and user.role == Role.ADMIN and not _other_active_admins(user):
        raise ValidationError({"is_active": ["The account needs at least one active admin."]})
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active


def set_two_factor_required(account: Account, required: bool, *, acting: User) -> None:
    """Require (or stop requiring) two-factor login of the account's users. The admin
    turning it on must use it already, so nobody locks themselves out."""
    if required and not acting.two_factor_enabled:
        raise ValidationError(
            "Turn on two-factor login for yourself first (Sign-in security), then require it."
        )
    Account.objects.filter(pk=account.pk).update(require_two_factor=required)
    account.require_two_factor = required


# --- API tokens ---------------------------------------------------------------------


def issue_token(
    account: Account, *, name: str, scopes: list[str], expires_in_days: int | None, created_by: User
) -> IssuedToken:
    expires_at = None
    if expires_in_days:
        expires_at = timezone.now() + timedelta(days=expires_in_days)
    return create_api_token(
        account, name=name, scopes=scopes, expires_at=expires_at, created_by=created_by
    )


def revoke_token(token: ApiToken) -> bool:
    if token.revoked_at is not None:
        return False
    revoke_api_token(token)
    return True


# --- removing faxes -----------------------------------------------------------------
