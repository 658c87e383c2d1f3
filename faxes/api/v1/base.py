"""Shared pieces of the native API: the base view (rate limits, scopes), the acting
account and principal, and the error answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NoReturn, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import ApiTokenPrincipal
from accounts.models import Account, ApiToken, User
from accounts.permissions import IsAccountMember
from accounts.tenancy import resolve_account_or_404
from faxes.api import ratelimit
from faxes.api.drf import CountedFirst, OneRenderer

log = logging.getLogger(__name__)
Scopes = str | tuple[str, ...]


class HasScopes(IsAccountMember):
    """Checks ``view.required_scopes``: per HTTP method (or ``"*"``) one scope, or a
    tuple of scopes any of which will do. A missing scope is 403 ``forbidden``."""

    message = "This token lacks the required scope."

    def has_permission(self, request: Request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        required: Mapping[str, Scopes] = getattr(view, "required_scopes", {})
        wanted = required.get(request.method or "", required.get("*"))
        if wanted is None:
            return True
        options = (wanted,) if isinstance(wanted, str) else wanted
        if any(member(request).has_scope(scope) for scope in options):
            return True
        self.message = f"This token lacks the required scope: {' or '.join(options)}."
        return False


class RateLimited(exceptions.Throttled):
    default_detail = "Rate limit exceeded."


class JsonOnly(OneRenderer):
    """Always JSON: a client asking ``Accept: application/pdf`` for a download must get
    the file, not 406."""


class V1APIView(CountedFirst):
    """Every native API view: counts the request against the rate limits before
    anything else (so bad tokens are counted too) and puts the ``RateLimit-*``
    headers on every answer, errors included."""

    permission_classes = [HasScopes]
    content_negotiation_class = JsonOnly
    throttle_classes = [ratelimit.RateLimitThrottle]
    required_scopes: Mapping[str, Scopes] = {}

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        state = cast(ratelimit.RateState, request._request.rate_state)  # type: ignore[attr-defined]  # set by the throttle
        minutes = _window_text()
        raise RateLimited(
            detail=f"Rate limit exceeded: {state.limit} requests per {minutes}.",
            wait=state.reset,
        )

    def handle_exception(self, exc: Exception) -> Response:
        """The contract's 500 body for errors nobody expected (logged with their trace)."""
        try:
            return super().handle_exception(exc)
        except Exception:
            log.exception("unhandled error in %s", type(self).__name__)
            return error(500, "internal_error", "Server error.")

    def finalize_response(self, request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request._request, "rate_state", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response

    # --- who is asking -------------------------------------------------------

    def account(self, request: Request) -> Account:
        return member_account(request)

    def token(self, request: Request) -> ApiToken | None:
        """The API token making the request; None for a browser session."""
        principal = request.user
        return principal.token if isinstance(principal, ApiTokenPrincipal) else None

    def user(self, request: Request) -> User | None:
        return request.user if isinstance(request.user, User) else None


def member(request: Request) -> User | ApiTokenPrincipal:
    """The caller as the v1 authenticators set it: a session user or an API token (the DRF
    stubs only know the user model and AnonymousUser)."""
    return cast("User | ApiTokenPrincipal", request.user)


def member_account(request: Request) -> Account:
    account = member(request).account
    assert account is not None  # HasScopes (IsAccountMember) lets only account members in
    return account


def _window_text() -> str:
    seconds = settings.FAXPORTAL_API_RATE_WINDOW
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"


class AccountScopedMixin:
    """Resolves ``account_id`` from the URL against the caller's account tree."""

    def target_account(self, request: Request, account_id: str | None = None) -> Account:
        acting = member_account(request)
        if account_id is None:
            return acting
        return resolve_account_or_404(acting, account_id)


class ApiNotFound(V1APIView):
    """Unknown paths under /api/v1/: the contract's JSON 404 (with rate-limit headers)."""

    permission_classes = [AllowAny]

    def _answer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound("Not found.")

    # The ignore: DRF's stubs narrow View.options to take a Request (and ignore that there).
    get = post = put = patch = delete = head = options = _answer  # type: ignore[assignment]


# --- error answers ---------------------------------------------------------


def error(status_code: int, code: str, message: str, details: Any = None) -> Response:
    body: dict[str, Any] = {"error": code, "message": message}
    if details:
        body["details"] = details
    return Response(body, status=status_code)


def bad_request(message: str, details: Any = None) -> Response:
    return error(status.HTTP_400_BAD_REQUEST, "bad_request", message, details)


def invalid(exc: ValidationError) -> Response:
    """A service's ValidationError as 400, the message naming the first bad field."""
    if hasattr(exc, "error_dict"):
        details = exc.message_dict
        field, messages = next(iter(details.items()))
        prefix = "" if field == "__all__" else f"{field}: "
        return bad_request(f"{prefix}{messages[0]}", details)
    return bad_request(" ".join(exc.messages))


class BadRequest(exceptions.APIException):
    """Raised by request parsing helpers; becomes ``{"error": "bad_request", ...}``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid request parameters."
    default_code = "bad_request"
