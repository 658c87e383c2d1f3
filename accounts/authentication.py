"""How API callers prove who they are.

``Authorization: Bearer <token>`` (native API) and ``X-Auth-Token: <token>``
(Kazoo clients) both carry a portal API token. The authenticated principal
is an ``ApiTokenPrincipal`` exposing the same ``account``/``has_scope``
interface as a logged-in ``User``, so permissions treat both alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import Account, ApiToken
from accounts.tokens import find_token, touch_last_used


@dataclass(frozen=True)
class ApiTokenPrincipal:
    token: ApiToken

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def account(self) -> Account:
        return self.token.account

    @property
    def pk(self) -> str:
        return self.token.pk

    def has_scope(self, scope: str) -> bool:
        return self.token.has_scope(scope)

    def __str__(self) -> str:
        return f"token {self.token.name}"


def read_token_header(request: HttpRequest | Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        kind, _, value = header.partition(" ")
        if kind.lower() == "bearer" and value.strip():
            return value.strip()
    value = request.headers.get("X-Auth-Token", "").strip()
    return value or None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiTokenPrincipal, ApiToken] | None:
        secret = read_token_header(request)
        if secret is None:
            return None
        token = find_token(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid API token.")
        if token.is_revoked:
            raise exceptions.AuthenticationFailed("This API token has been revoked.")
        if token.is_expired():
            raise exceptions.AuthenticationFailed("This API token has expired.")
        if not token.account.enabled:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        touch_last_used(token)
        return ApiTokenPrincipal(token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions (with CSRF) for users of an enabled account."""

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if user.account_id is None or not user.account.enabled:
            return None
        return result
