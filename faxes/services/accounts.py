"""Opening an account: the account, its first admin user and a default faxbox."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from accounts.models import Account, Role, User, validate_timezone
from faxes.models import Faxbox
from faxes.services.faxboxes import create_faxbox


@dataclass(frozen=True)
class CreatedAccount:
    account: Account
    admin: User
    faxbox: Faxbox


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
