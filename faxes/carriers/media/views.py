"""The document a carrier fetches for an outbound fax, by signed expiring link."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from faxes.carriers.media import links as media_links
from faxes.documents import DocumentRejected
from faxes.services import audit

log = logging.getLogger(__name__)


@require_safe
def carrier_media(request: HttpRequest, token: str) -> HttpResponse:
    try:
        fax, attempt = media_links.resolve(token)
    except media_links.LinkInvalid as exc:
        # Every refusal looks the same from outside: nothing confirms a fax exists.
        log.info("carrier media link refused (%s) for %s", exc, request.META.get("REMOTE_ADDR"))
        raise Http404("Not found") from None
    try:
        pdf = media_links.carrier_pdf(fax)
    except (DocumentRejected, OSError):
        # The carrier reports a download failure and the fax is retried by policy.
        log.exception("cannot serve the document of fax %s to the carrier", fax.pk)
        raise Http404("Not found") from None
    if request.method == "GET":
        audit.record(
            "fax.media_fetched_by_carrier",
            account=fax.account,
            fax=fax,
            request=request,
            transport=attempt.transport,
            attempt=attempt.number,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="fax.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
