"""The Crossbar response envelope: success and error bodies, request ids, and the DRF
renderer that writes them (``CrossbarRenderer``)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer

from faxes.api.kazoo.errors import KazooError

# Reported as the envelope's "version"; clients only display it.
API_VERSION = "4.3.0-faxportal"
NODE = "faxportal"


def django_request(request: Any) -> HttpRequest:
    """The Django request under a DRF ``Request`` (or the request itself): per-request
    values (request id, auth token) live there, seen by views and middleware alike."""
    return getattr(request, "_request", request)


def request_id(request: Any) -> str:
    """The client's X-Request-ID if it sent one (reused, as Crossbar does), else a new one."""
    request = django_request(request)
    existing = getattr(request, "kazoo_request_id", None)
    if existing:
        return existing
    sent = request.headers.get("X-Request-ID", "").strip()
    value = sent[:64] if sent else uuid.uuid4().hex
    request.kazoo_request_id = value  # type: ignore[attr-defined]
    return value


def normalize_keys(body: dict[str, Any]) -> dict[str, Any]:
    """Crossbar's ``normalize_envelope_keys``: top-level keys lower-cased, ``-`` as ``_``
    (``{"Data": …, "Auth-Token": …}`` reads as ``data``/``auth_token``); ``data`` itself
    is left as sent."""
    return {key.lower().replace("-", "_"): value for key, value in body.items()}


def set_auth_token(request: Any, token: str) -> None:
    """The token the envelope reports (``auth_token``, with ``version``) from now on."""
    django_request(request).kazoo_auth_token = token  # type: ignore[attr-defined]


def _pretty(request: HttpRequest) -> bool:
    return (
        request.headers.get("X-Pretty-Print", "").lower() == "true"
        or request.GET.get("pretty_print") == "true"
    )


def dumps(request: Any, body: Any) -> str:
    """The body as Crossbar writes it: compact, or indented when asked (X-Pretty-Print)."""
    return json.dumps(body, indent=2 if _pretty(request) else None, default=str)


class CrossbarRenderer(BaseRenderer):
    """Writes a finished envelope (``success_body``/``error_body``) as JSON.

    ``application/json`` with no charset parameter, whatever the client's ``Accept``
    (the content negotiation always picks this renderer)."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        request = (renderer_context or {})["request"]
        return dumps(request, data).encode()


def _response(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(dumps(request, body), status=status, content_type="application/json")
    response["X-Request-ID"] = request_id(request)
    return response


def _base(request: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": request_id(request),
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "node": NODE,
    }
    token = getattr(django_request(request), "kazoo_auth_token", None)
    if token:
        body["auth_token"] = token
        body["version"] = API_VERSION
    return body


def revision_of(data: Any) -> str:
    return hashlib.md5(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()  # noqa: S324


def success_body(
    request: Any,
    data: Any,
    *,
    page: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body = {"data": data, "status": "success", "revision": revision_of(data), **_base(request)}
    if page:
        body.update(page)
    if extra:
        body.update(extra)
    return body


def error_body(request: Any, exc: KazooError) -> dict[str, Any]:
    return {
        "status": "error",
        "error": str(exc.status),
        "message": exc.message,
        "data": exc.data,
        **_base(request),
    }


def error(request: HttpRequest, exc: KazooError) -> HttpResponse:
    """The error envelope outside a view (middleware that answers before one runs)."""
    response = _response(request, error_body(request, exc), exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response
