"""Who is calling the /v2 API: a session from user_auth/api_auth, or a portal API token."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.http import HttpRequest

from accounts import kazoo_auth, login_limits, scopes
from accounts.models import Account, ApiToken, AuthSession, User
from accounts.tokens import find_token, looks_like_token, touch_last_used
from faxes.api.kazoo import errors


@dataclass(frozen=True)
class KazooPrincipal:
    account: Account
    auth_token: str
    user: User | None = None
    api_token: ApiToken | None = None
    session: AuthSession | None = None

    def has_scope(self, scope: str) -> bool:
        if self.api_token is not None:
            return self.api_token.has_scope(scope)
        if self.user is not None:
            return self.user.has_scope(scope)
        return scopes.grants(scopes.ALL_SCOPES, scope)  # api_auth: the account's own key


def _token_from(request: HttpRequest, envelope: dict | None) -> str | None:
    value = request.headers.get("X-Auth-Token", "").strip()
    if value:
        return value
    header = request.headers.get("Authorization", "")
    kind, _, rest = header.partition(" ")
    if kind.lower() == "bearer" and rest.strip():
        return rest.strip()
    if request.GET.get("auth_token"):
        token = request.GET["auth_token"].strip()
        # URLs end up in logs, proxies and browser history: only short-lived Kazoo
        # session tokens may travel there, never a long-lived portal API token.
        if looks_like_token(token):
            raise errors.KazooError(401, "invalid_credentials", {
                "message": "portal API tokens are not accepted in the query string; "
                           "send them as X-Auth-Token"})  # fmt: skip
        return token
    if envelope and isinstance(envelope.get("auth_token"), str):
        return envelope["auth_token"].strip()
    return None


def _basic(request: HttpRequest) -> KazooPrincipal | None:
    """Basic auth: user = account id, password = md5("user:pass")."""
    kind, _, rest = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        account_id, _, credentials = base64.b64decode(rest.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.invalid_credentials() from None
    # Every request of a Basic-auth client carries the password: only failures are
    # counted, in the login limiter's buckets, and a full bucket refuses even the right one.
    account = Account.objects.filter(pk=account_id).first()
    bucket = f"account:{account.pk}" if account else f"unknown:{account_id}"
    wait = login_limits.blocked(request, account=bucket)
    if wait:
        raise errors.too_many_requests(wait)
    if account is None:
        login_limits.attempt(request, account=bucket)
        raise errors.invalid_credentials()
    try:
        issued = kazoo_auth.user_auth({"credentials": credentials, "account_name": account.name})
    except kazoo_auth.LoginRefused:
        login_limits.attempt(request, account=bucket)
        raise errors.invalid_credentials() from None
    except kazoo_auth.AccountLocked:
        raise errors.locked() from None
    return KazooPrincipal(account=account, auth_token="", user=issued.session.user,
                          session=issued.session)  # fmt: skip


def authenticate(request: HttpRequest, envelope: dict | None) -> KazooPrincipal:
    token = _token_from(request, envelope)
    if token is None:
        principal = _basic(request)
        if principal is None:
            raise errors.invalid_credentials()
        return principal
    if looks_like_token(token):
        api_token = find_token(token)
        if api_token is None or not api_token.is_usable():
            raise errors.invalid_credentials()
        touch_last_used(api_token)
        return KazooPrincipal(account=api_token.account, auth_token=token, api_token=api_token)
    session = kazoo_auth.find_session(token)
    if session is None:
        raise errors.invalid_credentials()
    return KazooPrincipal(account=session.account, auth_token=token, user=session.user,
                          session=session)  # fmt: skip
