"""What every page shares: login and the acting account, roles, the account's time
zone, the idle timeout, fax lookup (404 for other tenants), audit and file responses."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import IO, TYPE_CHECKING, cast
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext
from django_htmx.middleware import HtmxDetails

from accounts import scopes
from accounts.models import Account, User
from accounts.requests import AuthenticatedRequest
from accounts.tenancy import get_for_account_or_404
from faxes.models import Fax, Faxbox, FaxQuerySet
from faxes.services.audit import record
from faxes.views.clock import twelve_hour, uses_twelve_hour
from faxportal.crypto import decrypt, encrypt
from faxportal.storage import FileStreamResponse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SEND = "send"
MANAGE = "manage"
READ = "read"

# Session key of the last time the user did something (polls do not count).
LAST_SEEN_KEY = "portal_last_seen"


def can_send(user: User) -> bool:
    return bool(getattr(user, "account_id", None)) and user.has_scope(scopes.FAX_SEND)


def can_manage(user: User) -> bool:
    return bool(getattr(user, "account_id", None)) and user.is_account_admin


def require(request: PortalRequest, need: str) -> None:
    """403 when the user's role may not do this (call it after the object lookup,
    so another tenant's object is a 404 first)."""
    allowed = {READ: True, SEND: can_send(request.user), MANAGE: can_manage(request.user)}
    if not allowed[need]:
        raise PermissionDenied(gettext("Your role does not allow this."))


def is_poll(request: HttpRequest) -> bool:
    return request.GET.get("poll") == "1"


def _idle_expired(request: HttpRequest) -> bool:
    """True when the session has been idle too long; refreshes the activity time."""
    limit = settings.FAXPORTAL_SESSION_IDLE_TIMEOUT
    if not limit:
        return False
    now = int(time.time())
    seen = request.session.get(LAST_SEEN_KEY)
    if seen is not None and now - int(seen) > limit:
        return True
    # Background polls keep nothing alive; writes are limited to one a minute.
    if not is_poll(request) and (seen is None or now - int(seen) >= 60):
        request.session[LAST_SEEN_KEY] = now
    return False


def _to_login(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        # A partial must not swap the login page into the middle of a page.
        response = HttpResponse(status=200)
        response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?next={quote(request.path)}"
        return response
    return redirect_to_login(request.get_full_path())


class PortalRequest(AuthenticatedRequest):
    """A request inside ``portal_page``: a tenant user, their account, htmx's details."""

    account: Account
    htmx: HtmxDetails


def portal_page(need: str = READ) -> Callable:
    """Decorator for UI views: login, the user's account on ``request.account``, the
    account's time zone for everything rendered, the idle timeout and a role check."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            portal = cast(PortalRequest, request)  # what this wrapper makes of it
            user = request.user
            if not user.is_authenticated:
                return _to_login(request)
            account = user.account if user.account_id is not None else None
            if account is None:
                raise Http404("Platform operators use Django admin.")
            if _idle_expired(request):
                logout(request)
                return _to_login(request)
            require(portal, need)
            portal.account = account
            clock = twelve_hour.set(uses_twelve_hour(request.headers.get("Accept-Language", "")))
            try:
                with timezone.override(portal.account.timezone):
                    return view(portal, *args, **kwargs)
            finally:
                twelve_hour.reset(clock)

        return wrapped

    return decorate


def account_faxes(request: PortalRequest) -> FaxQuerySet:
    """The acting account's faxes that have not been deleted (the one scoping path)."""
    return Fax.objects.for_account(request.account).live()


def get_fax_or_404(request: PortalRequest, fax_id: str, need: str = READ) -> Fax:
    """The account's fax (404 for another tenant's), then the role check for ``need``."""
    live = Fax.objects.live().select_related("faxbox")
    fax = get_for_account_or_404(live, request.account, pk=fax_id)
    require(request, need)
    return fax


def account_faxboxes(request: PortalRequest) -> QuerySet[Faxbox]:
    return Faxbox.objects.for_account(request.account).live()


def audit(request: PortalRequest, action: str, fax: Fax | None = None, **details) -> None:
    record(
        action, account=request.account, fax=fax, principal=request.user, request=request, **details
    )


def file_response(
    content: IO[bytes], *, filename: str, content_type: str, attachment: bool = True
) -> FileStreamResponse:
    """A download with a safe Content-Disposition, no content sniffing, and no copy
    left in any cache (fax documents and page images are health records, often on a
    shared front-desk computer)."""
    response = FileStreamResponse(
        content, as_attachment=attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` beside the fields it names (the rest on top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def secret_page(request: PortalRequest, template: str, context: dict) -> HttpResponse:
    """A page that may show a just-created secret once: never cached, 400 on form errors."""
    response = render(request, template, context, status=400 if context["form"].errors else 200)
    response["Cache-Control"] = "no-store"
    return response


# --- a secret shown once, on the page a creation redirects to ---------------------

_STASH_PREFIX = "portal_stash:"
SECRET_SHOWN_FOR = 600  # seconds a just-created secret waits for its page


def stash_secret(request: PortalRequest, kind: str, value: dict) -> None:
    """Keep a just-created secret (encrypted) for the next page load only."""
    request.session[_STASH_PREFIX + kind] = {
        "box": encrypt(json.dumps(value)),
        "at": int(time.time()),
    }


def take_secret(request: PortalRequest, kind: str) -> dict | None:
    """The stashed secret, once: it is removed as it is read."""
    stashed = request.session.pop(_STASH_PREFIX + kind, None)
    if not stashed or int(time.time()) - int(stashed.get("at", 0)) > SECRET_SHOWN_FOR:
        return None
    try:
        return json.loads(decrypt(stashed["box"]))
    except (KeyError, ValueError):
        return None


# --- confirmation before what cannot be undone ------------------------------------


def confirm_first(
    request: PortalRequest,
    *,
    title: str,
    question: str,
    consequence: StrOrPromise,
    confirm_label: str,
    back: str,
    nav: str = "",
    fields: dict | None = None,
) -> HttpResponse | None:
    """None once the user has confirmed; else the page that asks (posting the same
    fields back with ``confirmed=1``)."""
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        return None
    context = {
        "title": title,
        "question": question,
        "consequence": consequence,
        "confirm_label": confirm_label,
        "back": back,
        "fields": fields or {},
        "nav": nav,
    }
    return render(request, "portal/confirm.html", context)
