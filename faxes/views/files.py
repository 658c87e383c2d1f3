"""Downloads and images of a fax. Each one is written to the audit log."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.http import Http404
from django.http.response import HttpResponseBase

from faxes.models import Fax, fax_folder
from faxes.services import make_receipt
from faxes.services.rotation import rotated_pdf, rotated_png, rotation_of
from faxes.views.common import PortalRequest, audit, file_response, get_fax_or_404, portal_page


def _stem(fax: Fax) -> str:
    when = fax.created_at.strftime("%Y%m%d")
    return f"fax-{when}-{fax.pk[:8]}"


def _open(field_file) -> io.BufferedReader:
    if not field_file:
        raise Http404("This fax has no such file (it may have been purged).")
    try:
        return field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The file is missing.") from None


def _download(
    request: PortalRequest, fax_id: str, *, fmt: str, content_type: str
) -> HttpResponseBase:
    fax = get_fax_or_404(request, fax_id)
    handle = _open(fax.document if fmt == "pdf" else fax.tiff)
    audit(request, "fax.downloaded", fax, format=fmt)
    return file_response(handle, filename=f"{_stem(fax)}.{fmt}", content_type=content_type)


@portal_page()
def download_pdf(request: PortalRequest, fax_id: str) -> HttpResponseBase:
    return _download(request, fax_id, fmt="pdf", content_type="application/pdf")


@portal_page()
def view_pdf(request: PortalRequest, fax_id: str) -> HttpResponseBase:
    """The PDF shown in the browser (inline), pages turned as staff left them."""
    fax = get_fax_or_404(request, fax_id)
    with _open(fax.document) as handle:
        data = rotated_pdf(fax, handle.read())
    audit(request, "fax.downloaded", fax, format="pdf", inline=True)
    return file_response(
        io.BytesIO(data),
        filename=f"{_stem(fax)}.pdf",
        content_type="application/pdf",
        attachment=False,
    )


@portal_page()
def download_tiff(request: PortalRequest, fax_id: str) -> HttpResponseBase:
    return _download(request, fax_id, fmt="tiff", content_type="image/tiff")


@portal_page()
def download_receipt(request: PortalRequest, fax_id: str) -> HttpResponseBase:
    fax = get_fax_or_404(request, fax_id)
    try:
        receipt = make_receipt(fax)
    except ValidationError:
        raise Http404("A receipt exists only for a finished outbound fax.") from None
    handle = _open(receipt.file)  # the stored receipt, never drawn again
    audit(request, "fax.downloaded", fax, format="receipt")
    return file_response(
        handle, filename=f"{_stem(fax)}-receipt.pdf", content_type="application/pdf"
    )


# Page images and thumbnails are parts of a view already audited (the detail page
# records "fax.viewed", a list shows thumbnails): they add no audit rows of their own.


@portal_page()
def page_image(request: PortalRequest, fax_id: str, number: int) -> HttpResponseBase:
    fax = get_fax_or_404(request, fax_id)
    if not fax.document or fax.attachment_purged_at or not 1 <= number <= (fax.pages or 0):
        raise Http404("No such page.")
    storage = fax.document.storage
    try:
        handle = storage.open(f"{fax_folder(fax)}pages/{number:04d}.png", "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No preview of this page.") from None
    degrees = rotation_of(fax, number)
    if degrees:
        with handle:
            handle = io.BytesIO(rotated_png(handle.read(), degrees))  # type: ignore[assignment]
    return file_response(
        handle,
        filename=f"{_stem(fax)}-page-{number}.png",
        content_type="image/png",
        attachment=False,
    )


@portal_page()
def thumbnail(request: PortalRequest, fax_id: str) -> HttpResponseBase:
    fax = get_fax_or_404(request, fax_id)
    handle = _open(fax.thumbnail)
    return file_response(
        handle, filename=f"{_stem(fax)}-thumbnail.png", content_type="image/png", attachment=False
    )
