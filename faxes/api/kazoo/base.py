"""The base of every /v2 view: a DRF ``APIView`` with Kazoo's own classes (set here, per
view, never in the project's ``REST_FRAMEWORK`` settings, which are the native API's).

Crossbar's order is kept: the rate limit (429), the request envelope (400 when it is no
JSON object), the credentials (401), the URL's account (403), the verb (405, tunnelled
verbs included) and the token's scope (403); then the handler. Every error, DRF's own
included, is Kazoo's error envelope (``exception_handler``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from faxes.api.drf import CountedFirst
from faxes.api.kazoo import envelope, errors
from faxes.api.kazoo.pagination import CrossbarPagination, Render
from faxes.api.kazoo.parsers import PARSERS, KazooNegotiation, body_of, is_json_body
from faxes.api.kazoo.principal import AUTHENTICATION, KazooPrincipal
from faxes.api.ratelimit import KazooRateThrottle

log = logging.getLogger(__name__)

VERBS = ("get", "put", "post", "patch", "delete")
# URL parts the base resolves; the handler gets the rest (fax_id, faxbox_id of an item, …).
SCOPE_KWARGS = ("account_id",)


def as_kazoo_error(exc: Exception, request: Any) -> errors.KazooError:
    """Any exception a /v2 view lets out, as the Crossbar error it answers."""
    if isinstance(exc, errors.KazooError):
        return exc
    if isinstance(exc, Http404 | exceptions.NotFound):
        return errors.bad_identifier(request.path.rsplit("/", 1)[-1])
    if isinstance(exc, RequestDataTooBig):
        # A body past DATA_UPLOAD_MAX_MEMORY_SIZE, found while reading it (JSON, form).
        return errors.KazooError(413, "request too large", {"message": "request too large"})
    if isinstance(exc, ValidationError):
        return errors.bad_request("; ".join(exc.messages))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return errors.invalid_credentials()
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return errors.forbidden()
    if isinstance(exc, exceptions.MethodNotAllowed):
        return errors.method_not_allowed(request.method.upper())
    if isinstance(exc, exceptions.UnsupportedMediaType):
        kind = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        return errors.unsupported_media(kind)
    if isinstance(exc, exceptions.Throttled):
        return errors.too_many_requests(int(getattr(exc, "wait", None) or 0))
    if isinstance(exc, exceptions.ParseError):
        return errors.invalid_json(str(exc.detail))
    log.exception("unhandled error in %s %s", request.method, request.path)
    return errors.KazooError(500, "internal server error")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's exception handler for /v2: Kazoo's error envelope, for every exception."""
    request = context["request"]
    error = as_kazoo_error(exc, request)
    return Response(envelope.error_body(request, error), status=error.status,
                    headers=error.headers)  # fmt: skip


class HasVerbScope(BasePermission):
    """The API-token scope ``view.scopes`` names for the (tunnelled) verb; 403 without."""

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = view.scopes.get(view.verb)
        return not scope or view.principal.has_scope(scope)


class KazooView(CountedFirst):
    """Subclasses implement ``get``/``put``/``post``/``patch``/``delete`` returning a
    Response (use ``self.ok``/``self.page``). ``scopes`` maps a verb to the API-token
    scope it needs; ``auth_required = False`` serves callers without credentials."""

    renderer_classes = [envelope.CrossbarRenderer]
    parser_classes = PARSERS
    authentication_classes = AUTHENTICATION
    permission_classes = [HasVerbScope]
    throttle_classes = [KazooRateThrottle]
    content_negotiation_class = KazooNegotiation
    pagination_class: ClassVar[type[CrossbarPagination]] = CrossbarPagination

    auth_required: ClassVar[bool] = True
    scopes: ClassVar[dict[str, str]] = {}
    principal: KazooPrincipal
    account: Account
    envelope: dict[str, Any] | None
    verb: str

    def get_authenticators(self) -> list[Any]:
        return super().get_authenticators() if self.auth_required else []

    def get_permissions(self) -> list[Any]:
        return list(super().get_permissions()) if self.auth_required else []

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response]:
        return exception_handler

    @property
    def default_response_headers(self) -> dict[str, str]:
        return {}  # no Allow or Vary: Accept on every answer, as Crossbar

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """DRF's dispatch, except the handler is the tunnelled verb's
        (``perform_authentication`` reads it)."""
        self.args, self.kwargs = args, kwargs
        drf_request = self.initialize_request(request, *args, **kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        try:
            self.initial(drf_request, *args, **kwargs)
            handler_kwargs = {k: v for k, v in kwargs.items() if k not in self.scope_kwargs()}
            response: Any = getattr(self, self.verb)(drf_request, *args, **handler_kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)
        return self.response

    def scope_kwargs(self) -> tuple[str, ...]:
        return SCOPE_KWARGS

    def perform_authentication(self, request: Request) -> None:
        """Crossbar reads the envelope first (it may carry the credential, and a broken one
        is 400 before 401) and the tunnelled verb, then authenticates (no credentials is
        401, before 405) and resolves the URL's account (403)."""
        envelope.request_id(request)
        verb = (request.method or "").lower()
        self.envelope = None
        if verb in ("put", "post", "patch") and is_json_body(request):
            self.envelope = envelope.normalize_keys(body_of(request).envelope)
        # Verb tunnelling: POST + ?verb=PUT or an envelope "verb".
        if verb == "post":
            tunnel = request.GET.get("verb") or (self.envelope or {}).get("verb")
            if isinstance(tunnel, str) and tunnel.lower() in VERBS:
                verb = tunnel.lower()
        self.verb = verb
        if not self.auth_required:
            return
        super().perform_authentication(request)
        if not isinstance(request.user, KazooPrincipal):
            raise errors.invalid_credentials()
        self.principal = request.user
        envelope.set_auth_token(request, self.principal.auth_token)
        if "account_id" in self.kwargs:
            self.account = self.resolve_account(self.kwargs["account_id"])

    def check_permissions(self, request: Request) -> None:
        """The verb (405), then the token's scope for it (403)."""
        if self.verb not in VERBS or not hasattr(self, self.verb):
            raise errors.method_not_allowed(self.verb.upper())
        super().check_permissions(request)

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise errors.too_many_requests(int(wait or 0))

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        raise errors.forbidden()

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["X-Request-ID"] = envelope.request_id(request)
        return response

    def resolve_account(self, account_id: str) -> Account:
        """The URL's account, if the caller's account is it or an ancestor; else 403."""
        acting = self.principal.account
        if account_id == acting.pk:
            return acting
        target = Account.objects.filter(pk=account_id).first()
        if target is None or not acting.is_ancestor_of(target):
            raise errors.forbidden()
        return target

    @property
    def data(self) -> dict[str, Any]:
        """The envelope's ``data`` object (validated to be an object)."""
        value = (self.envelope or {}).get("data", {})
        if not isinstance(value, dict):
            raise errors.KazooError(
                400, "validation error", {"data": {"type": {"message": "must be an object",
                                                            "target": "object"}}},
            )  # fmt: skip
        return value

    def ok(self, data: Any, *, status: int = 200, **extra: Any) -> Response:
        body = envelope.success_body(self.request, data, extra=extra or None)
        return Response(body, status=status)

    def page(self, queryset: QuerySet, render: Render, *, db_fields: dict[str, str]) -> Response:
        """One Crossbar list page of ``queryset``, each row through ``render``."""
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(queryset, self.request, self, render=render,
                                           db_fields=db_fields)  # fmt: skip
        return paginator.get_paginated_response(rows)
