"""Domain operations on accounts, users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from accounts import scopes as scope_names
from accounts.models import Account, ApiToken, User
from accounts.tokens import generate_secret, lookup_prefix, token_digest


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
