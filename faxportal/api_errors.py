"""Error bodies for the native API: ``{"error": "<code>", "message": "..."}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

_CODES = {
    status.HTTP_400_BAD_REQUEST: "bad_request",
    status.HTTP_401_UNAUTHORIZED: "unauthorized",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "payload_too_large",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_422_UNPROCESSABLE_ENTITY: "unprocessable_entity",
    status.HTTP_429_TOO_MANY_REQUESTS: "too_many_requests",
}


def _message(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict | list):
        return "Invalid request parameters."
    return str(detail)


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.NotAuthenticated):
        exc.detail = exceptions.ErrorDetail(
            "Bearer token required in Authorization header", code="not_authenticated"
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict = {
        "error": _CODES.get(response.status_code, "error"),
        "message": _message(exc),
    }
    if isinstance(exc.detail, dict | list):
        body["details"] = exc.detail
    response.data = body
    return response
