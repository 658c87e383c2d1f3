"""Operations behind the account admin pages: users and roles, API tokens (delegated to
``accounts.services``) and removing faxes. Faxboxes: ``faxes.services.faxboxes``."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, ApiToken, Role, User
from accounts.services import IssuedToken, create_api_token, revoke_api_token

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
        errors["email"] = [gettext("Enter a valid e-mail address.")]
    else:
        if User.objects.filter(username__iexact=email).exists():
            errors["email"] = [gettext("A user %(email)s already exists.") % {"email": email}]
    if role not in Role.values:
        errors["role"] = [gettext("Choose admin, staff or viewer.")]
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
        raise ValidationError({"role": [gettext("Choose admin, staff or viewer.")]})
    if user.pk == acting.pk:
        raise ValidationError({"role": [gettext("You cannot change your own role.")]})
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(user):
        raise ValidationError({"role": [gettext("The account needs at least one active admin.")]})
    User.objects.filter(pk=user.pk).update(role=role)
    user.role = role


def set_active(user: User, active: bool, *, acting: User) -> None:
    """Disable or re-enable a login; a disabled user's sessions end at their next request."""
    if user.pk == acting.pk:
        raise ValidationError({"is_active": [gettext("You cannot disable your own login.")]})
    if not active and user.role == Role.ADMIN and not _other_active_admins(user):
        raise ValidationError(
            {"is_active": [gettext("The account needs at least one active admin.")]}
        )
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active


def set_two_factor_required(account: Account, required: bool, *, acting: User) -> None:
    """Require (or stop requiring) two-factor login of the account's users. The admin
    turning it on must use it already, so nobody locks themselves out."""
    if required and not acting.two_factor_enabled:
        raise ValidationError(
            gettext(
                "Turn on two-factor login for yourself first (Sign-in security), then require it."
            )
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
