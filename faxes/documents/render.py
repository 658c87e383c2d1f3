"""Render a PDF into the multi-page fax TIFF that is actually transmitted.

Pages are rasterized, given their header line, converted to 1 bit, CCITT-encoded and
appended to the TIFF one at a time: memory use depends on the page size, not on the number
of pages.

Two threads share the work, and both spend most of their time in C with the GIL released:
a helper thread has pdfium rasterize a page straight into a numpy array, draws its header
line and thresholds and bit-packs it with numpy; meanwhile the calling thread has libtiff
(through ctypes, :mod:`.libtiff`) CCITT-encode the previous page and appends it. The split
was measured: drawing the header line in the helper rather than the caller balances the two
threads best (about 3 ms of CPU each per text page). At most two pages are in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from .faxspec import Compression, PaperSize, Resolution
from .header import BAND_ROWS_FINE, FaxHeader, draw_header_band
from .limits import DocumentLimits, resolve
from .pdf import corrupt, too_many_pages
from .pdfium_util import PDFIUM_LOCK, PdfSource, open_pdf
from .raster import (
    bilevel_bits,
    bits_to_image,
    halve_rows_array,
    image_boxes,
    place,
    render_gray,
)
from .tiffwriter import FaxTiffWriter, PathOrFile, encode_bits, prepare_encoder


@dataclass(frozen=True)
class RenderOptions:
    resolution: Resolution = Resolution.FINE
    compression: Compression = Compression.G4
    header: FaxHeader | None = None  # None: no header line (e.g. re-rendering a received fax)
    paper: PaperSize = PaperSize.LETTER  # every page fits it, header line included


@dataclass(frozen=True)
class RenderResult:
    page_count: int
    resolution: Resolution
    compression: Compression
    page_bytes: tuple[int, ...] = ()  # each page's CCITT data: what its line time follows


def count_pages(pdf: PdfSource) -> int:
    with open_pdf(pdf) as document, PDFIUM_LOCK:
        return len(document)


def _page_bits(
    document: pdfium.PdfDocument,
    index: int,
    total: int,
    header: FaxHeader | None,
    resolution: Resolution,
    paper: PaperSize = PaperSize.LETTER,
) -> np.ndarray:
    """Page ``index`` of ``total`` as packed 1-bit rows, header line included. Runs in the
    helper thread; pdfium and numpy release the GIL while they work."""
    band = BAND_ROWS_FINE if header is not None else 0
    with PDFIUM_LOCK:
        page = document[index]
        try:
            placement = place(*page.get_size(), band_rows=band, paper=paper)
            gray = np.empty((band + placement.height, placement.canvas), np.uint8)
            render_gray(page, placement, top=band, canvas_width=placement.canvas, out=gray)
            boxes = image_boxes(page, placement, top=band)
        finally:
            page.close()
    if header is not None:
        gray[:band] = np.asarray(draw_header_band(header, index + 1, total, placement.canvas))
    if resolution is Resolution.STANDARD:
        gray = halve_rows_array(gray)
        boxes = [(x0, y0 // 2, x1, (y1 + 1) // 2) for x0, y0, x1, y1 in boxes]
    return bilevel_bits(gray, boxes, in_place=True)  # gray is ours and not needed after


def _iter_bits(
    pdf: PdfSource,
    resolution: Resolution,
    header: FaxHeader | None,
    *,
    meanwhile: Callable[[], object] | None = None,
    paper: PaperSize = PaperSize.LETTER,
) -> Generator[np.ndarray, None, None]:
    """Each page as packed rows (216 bytes a row, MSB first, 1 = ink), one at a time, the
    next one prepared by the helper thread while the caller handles this one. ``meanwhile``
    runs in this thread while the first page is prepared (loading the encoder, say)."""
    if header is not None and header.sent_at is None:
        # One timestamp for the whole fax, even if rendering crosses a minute boundary.
        header = replace(header, sent_at=datetime.now(UTC))
    with (
        open_pdf(pdf, forms=True) as document,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="fax-raster") as ahead,
    ):
        with PDFIUM_LOCK:
            total = len(document)

        def start(index: int) -> Future[np.ndarray] | None:
            if index >= total:
                return None
            return ahead.submit(_page_bits, document, index, total, header, resolution, paper)

        upcoming = start(0)
        try:
            if meanwhile is not None:
                meanwhile()
            for index in range(total):
                assert upcoming is not None
                bits = upcoming.result()
                upcoming = start(index + 1)
                yield bits
        finally:
            if upcoming is not None:
                upcoming.cancel()  # a consumer that stops early does not wait for another page


def iter_fax_pages(
    pdf: PdfSource,
    *,
    resolution: Resolution = Resolution.FINE,
    header: FaxHeader | None = None,
    paper: PaperSize = PaperSize.LETTER,
) -> Generator[Image.Image, None, None]:
    """Yield each page of ``pdf`` as a 1-bit fax page (1728 wide; 2048 on B4 paper), one
    at a time (the next page is rasterized in the background while the caller handles
    this one)."""
    with closing(_iter_bits(pdf, Resolution(resolution), header, paper=PaperSize(paper))) as pages:
        for bits in pages:
            yield bits_to_image(bits, bits.shape[1] * 8)


def render_fax_tiff(
    pdf: PdfSource,
    out: PathOrFile,
    options: RenderOptions | None = None,
    *,
    limits: DocumentLimits | None = None,
) -> RenderResult:
    """Write ``pdf`` (bytes or a path; normally a :class:`CombinedDocument`'s PDF) to ``out``
    (a path or a binary file) as a multi-page CCITT G4 (or G3) fax TIFF."""
    options = options or RenderOptions()
    limits = resolve(limits)
    total = count_pages(pdf)
    if total == 0:
        raise corrupt("")
    if total > limits.max_pages:
        raise too_many_pages("", total, limits.max_pages)
    try:
        with FaxTiffWriter(
            out,
            resolution=options.resolution,
            compression=options.compression,
            total_pages=total,
        ) as writer:
            pages = _iter_bits(
                pdf,
                Resolution(options.resolution),
                options.header,
                meanwhile=prepare_encoder,
                paper=PaperSize(options.paper),
            )
            with closing(pages):
                for bits in pages:
                    writer.add_bits(bits, len(bits))
    except pdfium.PdfiumError as exc:
        # A page pdfium cannot load. Other errors (a full disk, say) are not the sender's
        # fault and propagate unchanged.
        raise corrupt("") from exc
    return RenderResult(
        total,
        Resolution(options.resolution),
        Compression(options.compression),
        tuple(writer.page_bytes),
    )


def encoded_page_sizes(
    pdf: PdfSource,
    *,
    resolution: Resolution = Resolution.FINE,
    header: FaxHeader | None = None,
    paper: PaperSize = PaperSize.LETTER,
) -> tuple[int, ...]:
    """The bytes of G4 (T.6) data each page of ``pdf`` carries when faxed, as
    :func:`render_fax_tiff` would encode it, without writing a TIFF (to know a document's
    line time before it is sent)."""
    sizes = []
    try:
        pages = _iter_bits(
            pdf, Resolution(resolution), header, meanwhile=prepare_encoder, paper=PaperSize(paper)
        )
        with closing(pages):
            for bits in pages:
                width = bits.shape[1] * 8
                encoded = encode_bits(bits, len(bits), resolution=resolution, width=width)
                sizes.append(len(encoded.strip))
    except pdfium.PdfiumError as exc:
        raise corrupt("") from exc
    return tuple(sizes)
