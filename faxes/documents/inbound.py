"""Received faxes: whatever the carrier or modem delivered (TIFF or PDF) becomes a PDF for
people and a fax TIFF for the archive, with its page count."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from .accept import AcceptedDocument, accept_document
from .combine import combine_documents
from .errors import DocumentRejected, RejectionCode, describe
from .faxspec import FAX_WIDTH, X_DPI, Resolution
from .limits import DocumentLimits, resolve
from .pdf import corrupt
from .render import RenderOptions, render_fax_tiff
from .sniff import DocumentKind, sniff
from .tiffwriter import FaxTiffWriter, PathOrFile


@dataclass(frozen=True)
class InboundDocument:
    pdf: bytes
    page_count: int
    source_kind: DocumentKind
    # True when the received TIFF's pages were already fax pages and were copied bit for bit
    # (re-encoded, never re-rasterized); False when the TIFF was rendered from the PDF.
    lossless_tiff: bool

    def __repr__(self) -> str:
        return (
            f"InboundDocument(pages={self.page_count}, source={self.source_kind.value}, "
            f"lossless_tiff={self.lossless_tiff}, pdf_bytes={len(self.pdf)})"
        )


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= target * 0.04


def _fax_resolution(frame: Image.Image) -> Resolution | None:
    """The fax resolution of a frame that already is a fax page, else None."""
    dpi = frame.info.get("dpi")
    if frame.mode != "1" or frame.width != FAX_WIDTH or not dpi:
        return None
    x, y = float(dpi[0]), float(dpi[1])
    if not _close(x, X_DPI):
        return None
    for resolution in Resolution:
        if _close(y, resolution.lines_per_inch):
            return resolution
    return None


def _fax_ready_resolutions(document: AcceptedDocument) -> list[Resolution] | None:
    """Per-page resolutions if every frame is a 1728-wide bilevel fax page."""
    found = []
    with Image.open(io.BytesIO(document.data), formats=["TIFF"]) as image:
        for index in range(document.page_count):
            image.seek(index)
            resolution = _fax_resolution(image)
            if resolution is None:
                return None
            found.append(resolution)
    return found


def _copy_fax_pages(
    document: AcceptedDocument, resolutions: list[Resolution], out: PathOrFile
) -> None:
    with (
        Image.open(io.BytesIO(document.data), formats=["TIFF"]) as image,
        FaxTiffWriter(out, total_pages=document.page_count) as writer,
    ):
        for index, resolution in enumerate(resolutions):
            image.seek(index)
            writer.add_page(image.convert("1"), resolution=resolution)


def convert_inbound(
    data: bytes,
    tiff_out: PathOrFile,
    *,
    filename: str = "",
    limits: DocumentLimits | None = None,
) -> InboundDocument:
    """Validate a received document, write its fax TIFF to ``tiff_out`` and return its PDF.

    A received PDF is kept as it came; a received TIFF is turned into a PDF page per frame.
    Raises only :class:`DocumentRejected` for bad input.
    """
    limits = resolve(limits)
    # What a fax machine or carrier delivers is a PDF or an image: an Office or text file here
    # is refused before it could reach LibreOffice.
    if (kind := sniff(data, filename=filename, max_unpacked=limits.max_unpacked)).is_office:
        raise DocumentRejected(
            RejectionCode.UNSUPPORTED_TYPE,
            f"{describe(filename)} is not a file type we can fax here: a received fax is a PDF "
            f"or an image, and this looks like {kind.value.upper()} data.",
            filename=filename,
        )
    document = accept_document(data, filename=filename, limits=limits)
    if document.kind is DocumentKind.PDF:
        pdf = document.data
    else:
        pdf = combine_documents([document], limits=limits).pdf

    resolutions = None
    if document.kind is DocumentKind.TIFF:
        try:
            resolutions = _fax_ready_resolutions(document)
        except Exception as exc:
            raise corrupt(filename) from exc
    if resolutions is not None:
        _copy_fax_pages(document, resolutions, tiff_out)
    else:
        # No header line: a received fax already carries the sender's.
        render_fax_tiff(pdf, tiff_out, RenderOptions(header=None), limits=limits)
    return InboundDocument(
        pdf=pdf,
        page_count=document.page_count,
        source_kind=document.kind,
        lossless_tiff=resolutions is not None,
    )
