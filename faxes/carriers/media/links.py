"""The link a cloud carrier fetches an outbound fax's document from.

Carriers take the document by URL (SignalWire ``MediaUrl``, Telnyx ``media_url``), so the
portal hands out one link per transmission attempt:

- unguessable: the attempt and fax ids signed with the portal's secret key (HMAC-SHA256,
  ``django.core.signing``), so no other fax or account can be named by editing it;
- expiring: refused ``FAXPORTAL_CARRIER_MEDIA_TTL`` seconds after it was made;
- single-use in spirit: it works only while that attempt is the fax's current one and the
  fax is being sent, so it dies the moment the fax is delivered, failed, retried or purged.

What it serves is the fax as the portal rendered it (cover, pages, header line at fax
resolution) wrapped losslessly in a PDF, because both carriers take PDF only: the recipient
gets the pages the preview and the receipt show, not a second rendering of the upload.

S3 storage is not linked to directly: a presigned URL cannot be revoked when the fax ends,
so the file is streamed through this view from whatever storage holds it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing

from faxes.carriers.common import public_url
from faxes.documents import DocumentLimits, accept_document, combine_documents
from faxes.models import Attempt, Fax, FaxStatus

log = logging.getLogger(__name__)

_SALT = "faxportal.carrier-media"
# Our own rendered TIFF: trusted, and already within the page limit when it was made.
_OWN_TIFF_LIMITS = DocumentLimits(max_bytes=2**31, max_pages=100_000)


class LinkInvalid(Exception):
    """The link is forged, expired, or its attempt is over. Always answered with 404."""


def media_token(attempt: Attempt) -> str:
    return signing.dumps({"a": attempt.pk, "f": attempt.fax_id}, salt=_SALT)


def media_url(attempt: Attempt) -> str:
    """The public URL of this attempt's document (``FAXPORTAL_BASE_URL`` must be reachable
    by the carrier)."""
    return public_url(f"/hooks/media/{media_token(attempt)}/fax.pdf")


def resolve(token: str) -> tuple[Fax, Attempt]:
    """The fax and attempt a link serves, or LinkInvalid saying why not (for the log)."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.FAXPORTAL_CARRIER_MEDIA_TTL)
        attempt_id, fax_id = int(data["a"]), str(data["f"])
    except signing.SignatureExpired:
        raise LinkInvalid("expired") from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid("bad signature") from None
    attempt = Attempt.objects.select_related("fax").filter(pk=attempt_id, fax_id=fax_id).first()
    if attempt is None:
        raise LinkInvalid("no such attempt")
    fax = attempt.fax
    if fax.status != FaxStatus.SENDING or attempt.ended_at is not None:
        raise LinkInvalid(f"attempt over (fax {fax.status})")
    latest = Attempt.objects.filter(fax_id=fax.pk).order_by("-number").values_list("pk", flat=True)
    if latest.first() != attempt.pk:
        raise LinkInvalid("superseded by a later attempt")
    if not fax.tiff or fax.attachment_purged_at is not None:
        raise LinkInvalid("document purged")
    return fax, attempt


def carrier_pdf(fax: Fax) -> bytes:
    """The rendered fax TIFF as a PDF: one CCITT G4 image per page at its true size."""
    with fax.tiff.open("rb") as handle:
        data = handle.read()
    document = accept_document(data, filename="fax.tiff", limits=_OWN_TIFF_LIMITS)
    return combine_documents([document], limits=_OWN_TIFF_LIMITS).pdf
