"""Combining files and a cover page into one normalized PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from faxes.documents import (
    CoverPage,
    DocumentLimits,
    DocumentRejected,
    RejectionCode,
    accept_document,
    combine_documents,
)

from . import factories


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def accept(data: bytes, name: str = ""):
    return accept_document(data, filename=name, limits=DocumentLimits())


def test_order_and_page_count_with_cover(letter_pdf: bytes, fax_tiff: bytes) -> None:
    second = factories.build_pdf(
        [factories.PageSpec(lines=(factories.TextLine(72, 700, 14, "Second file"),))]
    )
    docs = [
        accept(letter_pdf, "a.pdf"),
        accept(factories.image_bytes("PNG"), "b.png"),
        accept(second, "c.pdf"),
        accept(fax_tiff, "d.tiff"),
    ]
    combined = combine_documents(docs, cover=CoverPage(subject="Hi"), limits=DocumentLimits())
    assert combined.page_count == 1 + 3 + 1 + 1 + 3
    assert combined.part_page_counts == (1, 3, 1, 1, 3)
    assert combined.has_cover
    assert len(PdfReader(io.BytesIO(combined.pdf)).pages) == combined.page_count
    texts = page_texts(combined.pdf)
    assert "Page 1 title" in texts[1]
    assert "Page 3 title" in texts[3]
    assert "Second file" in texts[5]


def test_without_cover(letter_pdf: bytes) -> None:
    combined = combine_documents([accept(letter_pdf)], limits=DocumentLimits())
    assert (combined.page_count, combined.has_cover) == (3, False)


def test_cover_only_fax() -> None:
    combined = combine_documents([], cover=CoverPage(message="Call me"), limits=DocumentLimits())
    assert combined.page_count == 1


def test_nothing_to_send() -> None:
    with pytest.raises(DocumentRejected) as info:
        combine_documents([], limits=DocumentLimits())
    assert info.value.code is RejectionCode.EMPTY


def test_total_pages_over_the_limit(letter_pdf: bytes) -> None:
    docs = [accept(letter_pdf), accept(letter_pdf)]
    with pytest.raises(DocumentRejected) as info:
        combine_documents(docs, cover=CoverPage(), limits=DocumentLimits(max_pages=6))
    assert info.value.code is RejectionCode.TOO_MANY_PAGES
    assert "7 pages" in info.value.message
    assert combine_documents(docs, limits=DocumentLimits(max_pages=6)).page_count == 6


def test_image_with_resolution_keeps_its_physical_size() -> None:
    png = factories.image_bytes("PNG", (850, 1100), dpi=(100, 100))
    ((width, height),) = page_sizes(combine_documents([accept(png)]).pdf)
    assert (width, height) == pytest.approx((612.0, 792.0), abs=0.01)


def test_fax_tiff_with_non_square_pixels_keeps_its_aspect() -> None:
    standard = factories.multipage_tiff(1, (1728, 1100), dpi=(204, 98))
    ((width, height),) = page_sizes(combine_documents([accept(standard)]).pdf)
    assert width == pytest.approx(1728 / 204 * 72, rel=0.01)
    assert height == pytest.approx(1100 / 98 * 72, rel=0.01)


def test_photo_without_resolution_fits_the_page_box_in_its_orientation() -> None:
    landscape = factories.image_bytes("JPEG", (4000, 3000), dpi=None)
    portrait = factories.image_bytes("JPEG", (3000, 4000), dpi=None)
    sizes = page_sizes(combine_documents([accept(landscape), accept(portrait)]).pdf)
    (lw, lh), (pw, ph) = sizes
    assert lw > lh and ph > pw
    assert lw / lh == pytest.approx(4 / 3, rel=0.01)
    assert max(lw, lh) <= 11 * 72 + 1 and min(lw, lh) <= 8.27 * 72 + 1


def test_exif_rotation_is_applied() -> None:
    image = factories.text_image((400, 300), mode="RGB")  # stored landscape...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...displayed rotated 90 degrees: portrait
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, dpi=(50, 50))
    ((width, height),) = page_sizes(combine_documents([accept(out.getvalue())]).pdf)
    assert height > width
    assert (width, height) == pytest.approx((300 / 50 * 72, 400 / 50 * 72), rel=0.02)


def test_combined_pdf_is_compact_for_bilevel_images(fax_tiff: bytes) -> None:
    combined = combine_documents([accept(fax_tiff)])
    # CCITT-compressed pages, not raw or JPEG bitmaps.
    assert len(combined.pdf) < 3 * len(fax_tiff)
