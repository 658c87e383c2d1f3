"""Request hygiene shared by every surface."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

MESSAGE = "Query parameters must not contain NUL characters."


class RejectNulBytesMiddleware:
    """A query string with NUL characters gets 400.

    PostgreSQL cannot store or compare text containing NUL, so such a value
    would reach the database only to fail there as a 500. Form fields already
    refuse NUL through Django's validators; query parameters are read raw.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values)
               for key, values in request.GET.lists()):  # fmt: skip
            return _bad_request(request)
        return self.get_response(request)


def _bad_request(request: HttpRequest) -> HttpResponse:
    return surface_error(request, 400, "bad_request", MESSAGE)


def surface_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """An error in the shape of the surface asked: ``/api/`` JSON, Kazoo's envelope, text."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": code, "message": message}, status=status)
    if request.path.startswith("/v2/"):
        from faxes.api.kazoo import envelope, errors

        if status == 413:
            error = errors.KazooError(413, "request too large", {"message": message})
        else:
            error = errors.KazooError(status, message, {"message": message})
        return envelope.error(request, error)
    if status == 400:
        return HttpResponseBadRequest(message)
    return HttpResponse(message, status=status, content_type="text/plain")


class PortalCSPMiddleware(CSPMiddleware):
    """The Content-Security-Policy of ``settings.CONTENT_SECURITY_POLICY`` on every
    response; pages built by third-party code get only the exceptions they need:
    Django admin sets inline styles, the API docs (Swagger UI, Redoc) inline script
    and styles. No staff page gets either."""

    RELAXED = {
        "/admin/": {"style-src": [SELF, UNSAFE_INLINE]},
        "/api/v1/docs/": {
            "script-src": [SELF, UNSAFE_INLINE],
            "style-src": [SELF, UNSAFE_INLINE],
            "worker-src": [SELF, "blob:"],
        },
    }

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        for prefix, directives in self.RELAXED.items():
            if request.path_info.startswith(prefix):
                parts.replace = {**(parts.replace or {}), **directives}
        return parts


# Machine surfaces: their fields, error codes and messages are a contract, the same
# whatever the client's Accept-Language; they never get Vary or Content-Language either.
MACHINE_PREFIXES = ("/api/", "/v2/", "/v1/", "/hooks/", "/healthz")


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (cookie, then Accept-Language) for people's pages; the
    default language, untouched, for the machine surfaces."""

    def process_request(self, request):
        if request.path_info.startswith(MACHINE_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        if request.path_info.startswith(MACHINE_PREFIXES):
            return response
        return super().process_response(request, response)
