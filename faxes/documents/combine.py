"""Combine accepted files (in order) and an optional cover page into one normalized PDF.

The normalized PDF is the single source for everything downstream (fax TIFF, previews,
downloads), so the page count known here is the page count that will be sent.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from .accept import AcceptedDocument
from .cover import CoverPage, render_cover_pdf
from .errors import DocumentRejected, RejectionCode
from .faxspec import X_DPI, PaperSize
from .images import PAGE_BOX_IN, iter_image_pdf_pages
from .limits import DocumentLimits, resolve
from .pdf import append_pdf, corrupt, open_reader


@dataclass(frozen=True)
class CombinedDocument:
    pdf: bytes
    page_count: int
    # Pages contributed by each input, in order; the cover (if any) is the first entry.
    part_page_counts: tuple[int, ...]
    has_cover: bool = False

    def __repr__(self) -> str:
        return (
            f"CombinedDocument(pages={self.page_count}, parts={self.part_page_counts}, "
            f"cover={self.has_cover}, bytes={len(self.pdf)})"
        )


def image_box(paper: PaperSize | None) -> tuple[float, float]:
    """The box (portrait inches) images are fitted into on ``paper``: the paper, as wide as
    the scan line at most; without a paper, the part A4 and Letter share."""
    if paper is None:
        return PAGE_BOX_IN
    width, length = PaperSize(paper).size_in
    return min(width, PaperSize(paper).width_dots / X_DPI), length


def _append(
    writer: PdfWriter,
    document: AcceptedDocument,
    limits: DocumentLimits,
    paper: PaperSize | None = None,
) -> None:
    pdf = document.pdf
    if pdf is not None:  # a PDF, or an Office document converted to one
        append_pdf(writer, open_reader(pdf, document.filename))
        return
    pages = iter_image_pdf_pages(
        document.data, document.kind, limits, document.filename, image_box(paper)
    )
    for page_pdf in pages:
        writer.append(PdfReader(io.BytesIO(page_pdf)))


def combine_documents(
    documents: Sequence[AcceptedDocument],
    *,
    cover: CoverPage | None = None,
    limits: DocumentLimits | None = None,
    paper: PaperSize | None = None,
) -> CombinedDocument:
    """One PDF: the cover page (if given), then every document's pages in the given order.
    ``paper`` sizes the cover page and the pages made from images (default: Letter's cover,
    images fitted to what A4 and Letter share).

    Raises :class:`DocumentRejected`: ``too_many_pages`` when the total exceeds the limit,
    ``empty`` when there is nothing to send, ``corrupt`` if an input cannot be converted.
    """
    limits = resolve(limits)
    parts = [doc.page_count for doc in documents]
    total = sum(parts) + (1 if cover else 0)
    if total == 0:
        raise DocumentRejected(
            RejectionCode.EMPTY, "There is nothing to send: add a document or a cover page."
        )
    if total > limits.max_pages:
        raise DocumentRejected(
            RejectionCode.TOO_MANY_PAGES,
            f"These documents have {total} pages together"
            f"{' (with the cover page)' if cover else ''}; a fax can have at most "
            f"{limits.max_pages} pages. Please send them as several faxes.",
        )

    writer = PdfWriter()
    if cover is not None:
        # The cover states the total page count, so it is drawn once the total is known.
        cover_pdf = render_cover_pdf(cover, page_count=total, paper=paper or PaperSize.LETTER)
        writer.append(PdfReader(io.BytesIO(cover_pdf)))
    for document in documents:
        before = len(writer.pages)
        try:
            _append(writer, document, limits, paper)
        except DocumentRejected:
            raise
        except Exception as exc:
            raise corrupt(document.filename) from exc
        if len(writer.pages) - before != document.page_count:
            # The cover already announced a page count; a file that converts to a different
            # number of pages than it was accepted with is damaged in some way.
            raise corrupt(document.filename)
    writer.add_metadata({"/Producer": "faxportal", "/Title": "Fax"})
    out = io.BytesIO()
    try:
        writer.write(out)
    except Exception as exc:
        raise corrupt("") from exc
    return CombinedDocument(
        pdf=out.getvalue(),
        page_count=total,
        part_page_counts=((1,) if cover else ()) + tuple(parts),
        has_cover=cover is not None,
    )
