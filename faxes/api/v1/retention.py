"""The ``retention_days`` body of ``PATCH /accounts/{id}`` and ``PATCH …/faxboxes/{id}``."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from accounts import scopes
from faxes.api.v1.base import BadRequest

# Changing retention is account administration: admins' sessions and admin-made tokens.
MANAGE_ON_PATCH = {"PATCH": scopes.FAXBOX_MANAGE}


def retention_from(request: Request) -> Any:
    """The body's ``retention_days`` (checked by the service); 400 for any other shape."""
    body = request.data
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    unknown = sorted(set(body) - {"retention_days"})
    if unknown:
        raise BadRequest(f"Only retention_days can be changed here, not {', '.join(unknown)}.")
    if "retention_days" not in body:
        raise BadRequest("retention_days is required (a number of days, 0 to keep, or null).")
    return body["retention_days"]
