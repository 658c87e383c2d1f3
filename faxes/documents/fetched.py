"""Checks for documents fetched from a URL (the fetcher itself lives with the API).

The declared Content-Type is only used to explain a refusal: what is accepted is decided by
the bytes, exactly as for uploads, so a server lying about its content changes nothing.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from .accept import AcceptedDocument, accept_document
from .errors import DocumentRejected, RejectionCode
from .faxspec import PaperSize
from .limits import DocumentLimits, resolve
from .sniff import SUPPORTED_TYPES_TEXT, detect

_WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def filename_from_url(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path.rsplit("/", 1)[-1]) if path else ""


def accept_fetched(
    data: bytes,
    content_type: str | None,
    *,
    url: str = "",
    limits: DocumentLimits | None = None,
    paper: PaperSize | None = None,
) -> AcceptedDocument:
    """Validate bytes fetched from ``url`` (served as ``content_type``) for faxing.

    Raises only :class:`DocumentRejected`, with the same codes as uploads. The fetcher should
    stop reading after ``DocumentLimits.from_settings().max_bytes + 1`` bytes and pass what it
    has: that is refused as ``too_large`` without downloading the rest.
    """
    limits = resolve(limits)
    filename = filename_from_url(url)
    declared = _media_type(content_type)
    is_web_page = declared in _WEB_PAGE_TYPES
    if is_web_page and data and len(data) <= limits.max_bytes and detect(data) is None:
        where = f" at {url}" if url else ""
        raise DocumentRejected(
            RejectionCode.UNSUPPORTED_TYPE,
            f"The address{where} returned a web page, not a document. Please link directly "
            f"to a {SUPPORTED_TYPES_TEXT} file.",
            filename=filename,
        )
    return accept_document(data, filename=filename, limits=limits, paper=paper)
