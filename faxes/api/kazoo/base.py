"""The base of every /v2 view: envelope parsing, auth, account tree, errors."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Account
from faxes.api import ratelimit
from faxes.api.kazoo import envelope, errors
from faxes.api.kazoo.principal import KazooPrincipal, authenticate
from faxportal import jsonbody

log = logging.getLogger(__name__)

JSON_TYPES = ("", "application/json", "application/x-json", "text/json")
VERBS = ("get", "put", "post", "patch", "delete")


def content_type_of(request: HttpRequest) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()


def is_json_body(request: HttpRequest) -> bool:
    """JSON types, or what ``curl -d '{"data": …}'`` sends: a form-encoded JSON object."""
    kind = content_type_of(request)
    if kind in JSON_TYPES:
        return True
    return kind == "application/x-www-form-urlencoded" and request.body.lstrip()[:1] == b"{"


def parse_json_envelope(request: HttpRequest) -> dict[str, Any]:
    """The request body as a Crossbar envelope (``{"data": {...}, …}``); {} when empty."""
    raw = request.body
    if not raw.strip():
        return {}
    try:
        parsed = jsonbody.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.invalid_json(f"failed to decode json: {exc}") from None
    if not isinstance(parsed, dict):
        raise errors.invalid_json("the request body must be a JSON object")
    return parsed


@method_decorator(csrf_exempt, name="dispatch")
class KazooView(View):
    """Subclasses implement ``get``/``put``/``post``/``patch``/``delete`` returning an
    HttpResponse (use ``self.ok``). ``scopes`` maps a verb to the API-token scope it needs."""

    auth_required: ClassVar[bool] = True
    scopes: ClassVar[dict[str, str]] = {}
    principal: KazooPrincipal
    account: Account
    envelope_data: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        envelope.request_id(request)
        state = ratelimit.hit(request, limits=ratelimit.Limits.kazoo())
        if state is not None and state.exceeded:
            return envelope.error(request, errors.too_many_requests(state.reset))
        try:
            return self._dispatch(request, *args, **kwargs)
        except errors.KazooError as exc:
            return envelope.error(request, exc)
        except Http404:
            return envelope.error(request, errors.bad_identifier(request.path.rsplit("/", 1)[-1]))
        except ValidationError as exc:
            return envelope.error(request, errors.bad_request("; ".join(exc.messages)))
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            return envelope.error(request, errors.KazooError(500, "internal server error"))

    def _dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb = request.method.lower()
        self.envelope = None
        if verb in ("put", "post", "patch") and is_json_body(request):
            self.envelope = envelope.normalize_keys(parse_json_envelope(request))
        # Verb tunnelling: POST + ?verb=PUT or an envelope "verb".
        if verb == "post":
            tunnel = request.GET.get("verb") or (self.envelope or {}).get("verb")
            if isinstance(tunnel, str) and tunnel.lower() in VERBS:
                verb = tunnel.lower()
        handler = getattr(self, verb, None) if verb in VERBS else None
        # Crossbar authenticates before it looks at the verb: no credentials is 401, not 405.
        if self.auth_required:
            self.principal = authenticate(request, self.envelope)
            request.kazoo_auth_token = self.principal.auth_token  # type: ignore[attr-defined]
            if "account_id" in kwargs:
                self.account = self.resolve_account(kwargs.pop("account_id"))
        if handler is None:
            raise errors.method_not_allowed(verb.upper())
        scope = self.scopes.get(verb) if self.auth_required else None
        if scope and not self.principal.has_scope(scope):
            raise errors.forbidden()
        self.verb = verb
        return handler(request, *args, **kwargs)

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

    def ok(self, data: Any, *, status: int = 200, page: dict | None = None, **extra: Any):
        return envelope.success(self.request, data, status=status, page=page, extra=extra or None)
