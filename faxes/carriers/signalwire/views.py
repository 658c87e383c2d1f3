"""SignalWire's calls to the portal: the number's fax handler (answered with cXML), the
``<Receive>`` action callback and the outbound status callbacks."""

from __future__ import annotations

import logging
from xml.sax.saxutils import quoteattr

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from faxes.carriers import get_transport
from faxes.carriers.base import CarrierCallback
from faxes.carriers.common import settings_for_key
from faxes.carriers.hooks import first_delivery, guarded
from faxes.carriers.signalwire.transport import NAME, receive_token
from faxes.services import carrier_events

log = logging.getLogger(__name__)

_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _xml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="application/xml")


def _answer_offer(event: CarrierCallback) -> HttpResponse:
    """Receive a fax for a number this configuration serves; reject any other."""
    offer = event.inbound
    assert offer is not None  # an offer always describes the fax
    config = settings_for_key(NAME, event.config_key)
    if not offer.carrier_fax_id or not carrier_events.may_receive(config, offer.to):
        carrier_events.refuse_offer(NAME, offer)
        return _xml('<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>')
    action = config.webhook_url(f"received/{receive_token(offer.carrier_fax_id, config.key)}")
    # TIFF keeps the received pages bit for bit (a PDF would be re-rasterised for the archive).
    return _xml(
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Receive action={quoteattr(action)} method="POST" mediaType="image/tiff"/>'
        "</Response>"
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, key: str, kind: str, token: str = "") -> HttpResponse:
    def handle() -> HttpResponse:
        if kind != "incoming" and request.method != "POST":
            return HttpResponse("POST only", status=405, content_type="text/plain")
        event = get_transport(NAME).parse_callback(request)
        if event.kind == "offer":
            return _answer_offer(event)
        with first_delivery(NAME, event.event_id) as first:
            if not first:
                return _xml(_EMPTY)
            if event.kind == "status" and event.status is not None:
                outcome = carrier_events.apply_status(
                    NAME, event.status, config_key=key, attempt_token=event.attempt_token
                )
                log.info(
                    "SignalWire fax %s %s: %s",
                    event.carrier_id,
                    event.status.carrier_status,
                    outcome,
                )
            elif event.kind == "inbound" and event.inbound is not None:
                carrier_events.accept_inbound(NAME, event.inbound)
        return _xml(_EMPTY)

    return guarded(NAME, handle, request)
