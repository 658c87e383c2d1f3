"""The Crossbar response envelope: success and error bodies, request ids."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from faxes.api.kazoo.errors import KazooError

# Reported as the envelope's "version"; clients only display it.
API_VERSION = "4.3.0-faxportal"
NODE = "faxportal"


def request_id(request: HttpRequest) -> str:
    """The client's X-Request-ID if it sent one (reused, as Crossbar does), else a new one."""
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


def _pretty(request: HttpRequest) -> bool:
    return (
        request.headers.get("X-Pretty-Print", "").lower() == "true"
        or request.GET.get("pretty_print") == "true"
    )


def _response(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    text = json.dumps(body, indent=2 if _pretty(request) else None, default=str)
    response = HttpResponse(text, status=status, content_type="application/json")
    response["X-Request-ID"] = request_id(request)
    return response


def _base(request: HttpRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": request_id(request),
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "node": NODE,
    }
    token = getattr(request, "kazoo_auth_token", None)
    if token:
        body["auth_token"] = token
        body["version"] = API_VERSION
    return body


def revision_of(data: Any) -> str:
    return hashlib.md5(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()  # noqa: S324


def success(
    request: HttpRequest,
    data: Any,
    *,
    status: int = 200,
    page: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body = {"data": data, "status": "success", "revision": revision_of(data), **_base(request)}
    if page:
        body.update(page)
    if extra:
        body.update(extra)
    return _response(request, body, status)


def error(request: HttpRequest, exc: KazooError) -> HttpResponse:
    body = {
        "status": "error",
        "error": str(exc.status),
        "message": exc.message,
        "data": exc.data,
        **_base(request),
    }
    response = _response(request, body, exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response
