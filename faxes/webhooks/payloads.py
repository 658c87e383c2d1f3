"""The JSON body of a webhook event.

``{"type": "fax.delivered", "timestamp": "...", "data": {...}}`` (the
Standard Webhooks envelope). ``data`` carries the fax's fields in the native
API's vocabulary, its previous status and links to fetch more with a token.
The body is built once, when the event happens, and sent unchanged on every
retry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from faxes import failures
from faxes.models import Direction, Fax
from faxes.native_format import iso, or_none, pages, v1_status


def fax_links(fax: Fax) -> dict[str, str]:
    base = f"{settings.FAXPORTAL_BASE_URL}/api/v1/faxes"
    if fax.direction == Direction.INBOUND:
        return {"self": f"{base}/{fax.pk}", "download": f"{base}/{fax.pk}/download"}
    return {
        "self": f"{base}/sent/{fax.pk}",
        "download": f"{base}/sent/{fax.pk}/download",
        "receipt": f"{base}/sent/{fax.pk}/receipt",
    }


def fax_data(fax: Fax, previous_status: str = "") -> dict[str, Any]:
    return {
        "id": fax.pk,
        "direction": fax.direction,
        "from": or_none(fax.from_number),
        "to": fax.to_number,
        "status": v1_status(fax.status),
        "status_detail": fax.status,
        "previous_status": v1_status(previous_status) if previous_status else None,
        "previous_status_detail": previous_status or None,
        "pages": pages(fax.pages),
        "remote_station_id": or_none(fax.remote_station_id),
        "error_code": fax.error_code,
        "error_message": or_none(fax.error_message),
        "failure": failures.as_data(fax),
        "attempt_count": fax.attempt_count,
        "faxbox_id": fax.faxbox_id,
        "scheduled_at": iso(fax.scheduled_at),
        "created_at": iso(fax.created_at),
        "updated_at": iso(fax.updated_at),
        "completed_at": iso(fax.completed_at),
        "links": fax_links(fax),
    }


def event_payload(event: str, fax: Fax, previous_status: str = "") -> dict[str, Any]:
    return {
        "type": event,
        "timestamp": iso(timezone.now()),
        "data": fax_data(fax, previous_status),
    }
