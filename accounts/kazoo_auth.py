"""Kazoo-style authentication: account API keys, ``user_auth`` credential
hashes and the session tokens both hand out.

Everything secret is stored as a keyed digest (``keyed_digest``); the API
key and session tokens are returned exactly once, when created.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, AuthSession, KazooCredential, User, keyed_digest

API_KEY_LENGTH = 64


class LoginRefused(Exception):
    """Bad credentials (401) — deliberately not saying which part was wrong."""


class AccountLocked(Exception):
    """The account (or user) is disabled (423)."""


@dataclass(frozen=True)
class IssuedSession:
    session: AuthSession
    token: str


def regenerate_api_key(account: Account) -> str:
    """A new 64-character API key for ``PUT /v2/api_auth``; the old one stops working."""
    key = secrets.token_hex(API_KEY_LENGTH // 2)
    Account.objects.filter(pk=account.pk).update(api_key_digest=keyed_digest("api-key", key))
    account.api_key_digest = keyed_digest("api-key", key)
    return key


def _issue(account: Account, user: User | None, method: str) -> IssuedSession:
    token = secrets.token_urlsafe(48)
    session = AuthSession.objects.create(
        account=account,
        user=user,
        method=method,
        digest=keyed_digest("auth-session", token),
        expires_at=timezone.now() + timedelta(seconds=settings.FAXPORTAL_KAZOO_TOKEN_TTL),
    )
    return IssuedSession(session=session, token=token)


def normalize_account_name(name: str) -> str:
    """Kazoo's normalisation: lower-case, non-alphanumerics dropped."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Which account owns a phone number (the fax app knows numbers; accounts does not).
NumberOwner = Callable[[str], Account | None]


def login_name(data: dict, account_by_number: NumberOwner | None = None) -> str:
    """The rate-limit bucket of a ``user_auth`` request: the account it names, however it
    is named (name, realm or number), or the name itself when no account has it."""
    account = _find_account(data, account_by_number)
    if account is not None:
        return f"account:{account.pk}"
    for key in ("account_name", "account_realm", "realm", "phone_number"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return f"unknown:{normalize_account_name(value)}"
    return ""


def _find_account(data: dict, account_by_number: NumberOwner | None) -> Account | None:
    name = data.get("account_name")
    realm = data.get("account_realm") or data.get("realm")
    phone = data.get("phone_number")
    if isinstance(name, str) and name:
        wanted = normalize_account_name(name)
        exact = Account.objects.filter(name__iexact=name).first()
        if exact is not None:
            return exact
        # Kazoo compares normalised names ("Acme Clinic" == "acmeclinic"); accounts
        # are few compared to faxes, so a scan of names is acceptable at login.
        for account in Account.objects.iterator(chunk_size=500):
            if normalize_account_name(account.name) == wanted:
                return account
        return None
    if isinstance(realm, str) and realm:
        return Account.objects.filter(realm__iexact=realm).first()
    if isinstance(phone, str) and phone and account_by_number is not None:
        return account_by_number(phone)
    return None


def user_auth(data: dict, account_by_number: NumberOwner | None = None) -> IssuedSession:
    """``PUT /v2/user_auth``: ``credentials`` is md5 (or sha1) of ``"user:pass"``; the
    account is named by name, realm or (with ``account_by_number``) one of its numbers."""
    credentials = data.get("credentials")
    if not isinstance(credentials, str) or not re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}",
                                                                credentials):  # fmt: skip
        raise LoginRefused()
    account = _find_account(data, account_by_number)
    if account is None:
        raise LoginRefused()
    digest = keyed_digest("kazoo-credentials", credentials.lower())
    match = (
        KazooCredential.objects.for_account(account)
        .filter(digest=digest)
        .select_related("user")
        .first()
    )
    if match is None:
        raise LoginRefused()
    if not account.enabled or not match.user.is_active:
        raise AccountLocked()
    if match.user.two_factor_enabled or account.require_two_factor:
        # A password alone must not open a session its owner protects with a second
        # factor: such users' integrations use api_auth or an API token.
        raise LoginRefused()
    with transaction.atomic():
        return _issue(account, match.user, "user_auth")


def api_auth(api_key: str) -> IssuedSession | None:
    """``PUT /v2/api_auth``; None for an unknown key (Kazoo answers 404)."""
    account = Account.objects.filter(api_key_digest=keyed_digest("api-key", api_key)).first()
    if account is None:
        return None
    if not account.enabled:
        raise AccountLocked()
    return _issue(account, None, "api_auth")


def find_session(token: str) -> AuthSession | None:
    """The live session for a token, or None (unknown, expired, revoked, disabled)."""
    session = (
        AuthSession.objects.select_related("account", "user")
        .filter(digest=keyed_digest("auth-session", token))
        .first()
    )
    if session is None or not session.is_usable():
        return None
    if session.user is not None and not session.user.is_active:
        return None
    return session


def revoke_session(session: AuthSession) -> None:
    AuthSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
