"""Request hygiene shared by every surface."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

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
    """400 in the error shape of the surface asked."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "bad_request", "message": MESSAGE}, status=400)
    if request.path.startswith("/v2/"):
        from faxes.api.kazoo import envelope, errors

        return envelope.error(request, errors.bad_request(MESSAGE))
    return HttpResponseBadRequest(MESSAGE)
