"""Telnyx's webhooks: outbound fax events and received faxes, one endpoint per configuration."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from faxes.carriers import get_transport
from faxes.carriers.hooks import first_delivery, guarded
from faxes.carriers.telnyx.transport import NAME
from faxes.services import carrier_events

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def events(request: HttpRequest, key: str) -> HttpResponse:
    def handle() -> HttpResponse:
        event = get_transport(NAME).parse_callback(request)
        with first_delivery(NAME, event.event_id) as first:
            if not first:
                return JsonResponse({"status": "duplicate"})
            if event.kind == "status" and event.status is not None:
                outcome = carrier_events.apply_status(
                    NAME, event.status, config_key=key, attempt_token=event.attempt_token
                )
                log.info(
                    "Telnyx fax %s %s: %s", event.carrier_id, event.status.carrier_status, outcome
                )
                return JsonResponse({"status": outcome})
            if event.kind == "inbound" and event.inbound is not None:
                return JsonResponse({"status": carrier_events.accept_inbound(NAME, event.inbound)})
        return JsonResponse({"status": "ignored"})

    return guarded(NAME, handle, request)
