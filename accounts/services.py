"""Domain operations on accounts, users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from accounts import scopes as scope_names
from accounts.models import Account, ApiToken, Role, User, validate_timezone
from accounts.tokens import generate_secret, lookup_prefix, token_digest


@dataclass(frozen=True)
class CreatedAccount:
    account: Account
    admin: User
    faxbox: object | None  # faxes.models.Faxbox


def _unique_realm(name: str) -> str:
    base = slugify(name)[:60] or "account"
    domain = settings.FAXPORTAL_REALM_DOMAIN
    realm = f"{base}.{domain}"
    suffix = 2
    while Account.objects.filter(realm=realm).exists():
        realm = f"{base}-{suffix}.{domain}"
        suffix += 1
    return realm


@transaction.atomic
def create_account(
    name: str,
    *,
    admin_email: str,
    admin_password: str,
    parent: Account | None = None,
    fax_number: str | None = None,
    timezone_name: str = "UTC",
    realm: str | None = None,
) -> CreatedAccount:
    """Create an account, its first admin user and a default faxbox.

    Raises ``ValidationError`` (with per-field messages) on bad input; nothing
    is written in that case.
    """
    from faxes.services import create_faxbox

    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors.setdefault("name", []).append("Account name is required.")
    elif Account.objects.filter(name__iexact=name).exists():
        errors.setdefault("name", []).append(
            gettext("An account named %(name)s already exists.") % {"name": repr(name)}
        )
    if realm and Account.objects.filter(realm=realm).exists():
        errors.setdefault("realm", []).append(
            gettext("The realm %(realm)s is taken.") % {"realm": repr(realm)}
        )
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        errors.setdefault("timezone", []).extend(exc.messages)
    admin_email = User.objects.normalize_email(admin_email.strip())
    if "@" not in admin_email:
        errors.setdefault("email", []).append("Enter a valid e-mail address.")
    elif User.objects.filter(username__iexact=admin_email).exists():
        errors.setdefault("email", []).append(
            gettext("A user %(email)s already exists.") % {"email": repr(admin_email)}
        )
    try:
        validate_password(admin_password, User(username=admin_email, email=admin_email))
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if parent is not None and not parent.enabled:
        errors.setdefault("parent", []).append("The parent account is disabled.")
    if errors:
        raise ValidationError(errors)

    account = Account(
        name=name, realm=realm or _unique_realm(name), timezone=timezone_name, parent=parent
    )
    account.full_clean()
    account.save()
    admin = User(username=admin_email, email=admin_email, account=account, role=Role.ADMIN)
    admin.set_password(admin_password)
    admin.save()
    faxbox = create_faxbox(
        account,
        name=f"{name} fax",
        numbers=[fax_number] if fax_number else [],
        timezone_name=timezone_name,
    )
    return CreatedAccount(account=account, admin=admin, faxbox=faxbox)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the caller once; never stored


def create_api_token(
    account: Account,
    *,
    name: str,
    scopes: str | list[str],
    expires_at: datetime | None = None,
    created_by: User | None = None,
) -> IssuedToken:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [gettext("A token name is required.")]
    try:
        parsed = scope_names.parse_scopes(scopes)
    except ValueError as exc:
        errors["scopes"] = [str(exc)]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [gettext("The expiry must be in the future.")]
    if not account.enabled:
        errors["account"] = [gettext("The account is disabled.")]
    if errors:
        raise ValidationError(errors)
    secret = generate_secret()
    token = ApiToken.objects.create(
        account=account,
        name=name,
        scopes=parsed,
        expires_at=expires_at,
        created_by=created_by,
        prefix=lookup_prefix(secret),
        digest=token_digest(secret),
    )
    return IssuedToken(token=token, secret=secret)


def revoke_api_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
