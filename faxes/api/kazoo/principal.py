"""Who is calling the /v2 API: a session from user_auth/api_auth, or a portal API token,
found by DRF authentication classes in Crossbar's order (``AUTHENTICATION``).

The first credential presented decides: a wrong one is 401 without trying the next,
and no credential at all is 401 too (``invalid_credentials``, no ``WWW-Authenticate``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from rest_framework.authentication import BaseAuthentication

from accounts import kazoo_auth, login_limits, scopes
from accounts.models import Account, ApiToken, AuthSession, User
from accounts.tokens import find_token, looks_like_token, touch_last_used
from faxes.api.kazoo import errors
from faxes.api.kazoo.envelope import django_request


@dataclass(frozen=True)
class KazooPrincipal:
    account: Account
    auth_token: str
    user: User | None = None
    api_token: ApiToken | None = None
    session: AuthSession | None = None

    is_authenticated = True  # what DRF and Django ask of ``request.user``
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        if self.api_token is not None:
            return self.api_token.has_scope(scope)
        if self.user is not None:
            return self.user.has_scope(scope)
        return scopes.grants(list(scopes.ALL_SCOPES), scope)  # api_auth: the account's own key


Authenticated = tuple[KazooPrincipal, str]


def principal_for(token: str) -> KazooPrincipal:
    """The caller a presented token names: a portal API token or a Kazoo session."""
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


class TokenAuthentication(BaseAuthentication):
    """A token from one place; None when it is not there (the next class looks)."""

    def token(self, request: Any) -> str | None:
        raise NotImplementedError

    def authenticate(self, request: Any) -> Authenticated | None:
        token = self.token(request)
        if token is None:
            return None
        principal = principal_for(token)
        return principal, principal.auth_token


class XAuthTokenAuthentication(TokenAuthentication):
    def token(self, request: Any) -> str | None:
        return request.headers.get("X-Auth-Token", "").strip() or None


class BearerAuthentication(TokenAuthentication):
    def token(self, request: Any) -> str | None:
        kind, _, rest = request.headers.get("Authorization", "").partition(" ")
        return rest.strip() if kind.lower() == "bearer" and rest.strip() else None


class QueryTokenAuthentication(TokenAuthentication):
    """``?auth_token=``: Kazoo session tokens only."""

    def token(self, request: Any) -> str | None:
        token = django_request(request).GET.get("auth_token")
        if not token:
            return None
        token = token.strip()
        # URLs end up in logs, proxies and browser history: only short-lived Kazoo
        # session tokens may travel there, never a long-lived portal API token.
        if looks_like_token(token):
            raise errors.KazooError(401, "invalid_credentials", {
                "message": "portal API tokens are not accepted in the query string; "
                           "send them as X-Auth-Token"})  # fmt: skip
        return token


class EnvelopeTokenAuthentication(TokenAuthentication):
    """The request envelope's ``auth_token`` (parsed before authentication)."""

    def token(self, request: Any) -> str | None:
        view = request.parser_context.get("view")
        value = (getattr(view, "envelope", None) or {}).get("auth_token")
        return value.strip() if isinstance(value, str) else None


class BasicAuthentication(BaseAuthentication):
    """Basic auth: user = account id, password = md5("user:pass")."""

    def authenticate(self, request: Any) -> Authenticated | None:
        kind, _, rest = request.headers.get("Authorization", "").partition(" ")
        if kind.lower() != "basic":
            return None
        try:
            account_id, _, credentials = base64.b64decode(rest.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.invalid_credentials() from None
        # Every request of a Basic-auth client carries the password: only failures are
        # counted, in the login limiter's buckets, and a full bucket refuses even the right one.
        plain = django_request(request)
        account = Account.objects.filter(pk=account_id).first()
        bucket = f"account:{account.pk}" if account else f"unknown:{account_id}"
        wait = login_limits.blocked(plain, account=bucket)
        if wait:
            raise errors.too_many_requests(wait)
        if account is None:
            login_limits.attempt(plain, account=bucket)
            raise errors.invalid_credentials()
        try:
            issued = kazoo_auth.user_auth(
                {"credentials": credentials, "account_name": account.name}
            )
        except kazoo_auth.LoginRefused:
            login_limits.attempt(plain, account=bucket)
            raise errors.invalid_credentials() from None
        except kazoo_auth.AccountLocked:
            raise errors.locked() from None
        principal = KazooPrincipal(account=account, auth_token="", user=issued.session.user,
                                   session=issued.session)  # fmt: skip
        return principal, ""


AUTHENTICATION: list[type[BaseAuthentication]] = [
    XAuthTokenAuthentication, BearerAuthentication, QueryTokenAuthentication,
    EnvelopeTokenAuthentication, BasicAuthentication,
]  # fmt: skip
