"""Received faxes become a PDF and a fax TIFF."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from faxes.documents import (
    DocumentKind,
    DocumentRejected,
    RejectionCode,
    convert_inbound,
)

from . import factories
from .helpers import tiff_pages, tiff_tags


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_received_fax_tiff_is_copied_bit_for_bit(fax_tiff: bytes, tmp_path) -> None:
    out = tmp_path / "in.tiff"
    result = convert_inbound(fax_tiff, out)
    assert (result.page_count, result.source_kind, result.lossless_tiff) == (
        3,
        DocumentKind.TIFF,
        True,
    )
    assert pdf_pages(result.pdf) == 3
    written = out.read_bytes()
    for original, copied in zip(tiff_pages(fax_tiff), tiff_pages(written), strict=True):
        assert ImageChops.difference(original.convert("L"), copied.convert("L")).getbbox() is None
    assert all(tag[259] == 4 and tag[262] == 0 for tag in tiff_tags(written))


def test_mixed_fine_and_standard_pages_keep_their_resolution(tmp_path) -> None:
    fine = factories.text_image((1728, 2200), mode="1")
    standard = factories.text_image((1728, 1100), mode="1")
    source = io.BytesIO()
    fine.save(source, "TIFF", compression="group3", dpi=(204, 196))
    combined = io.BytesIO()
    with Image.open(io.BytesIO(source.getvalue())) as first:
        first.save(
            combined,
            "TIFF",
            save_all=True,
            append_images=[standard],
            compression="group3",
            dpi=(204, 196),
        )
    # Pillow applies one dpi to all frames; rewrite the second page's tag through a reload.
    data = _with_second_page_dpi(combined.getvalue(), 98)
    out = io.BytesIO()
    result = convert_inbound(data, out)
    assert result.lossless_tiff
    assert [float(tag[283]) for tag in tiff_tags(out.getvalue())] == [196.0, 98.0]


def _with_second_page_dpi(data: bytes, lpi: int) -> bytes:
    pages = list(tiff_pages(data))
    out = io.BytesIO()
    from PIL import TiffImagePlugin

    with TiffImagePlugin.AppendingTiffWriter(out) as writer:
        for index, page in enumerate(pages):
            page.save(writer, "TIFF", compression="group4", dpi=(204, 196 if index == 0 else lpi))
            writer.newFrame()
    return out.getvalue()


def test_non_fax_tiff_is_rendered(tmp_path) -> None:
    data = factories.multipage_tiff(
        2, (850, 1100), compression="tiff_lzw", mode="L", dpi=(100, 100)
    )
    out = io.BytesIO()
    result = convert_inbound(data, out)
    assert (result.page_count, result.lossless_tiff) == (2, False)
    pages = list(tiff_pages(out.getvalue()))
    assert len(pages) == 2
    assert all(page.width == 1728 and page.mode == "1" for page in pages)


def test_received_pdf_is_kept_and_rendered(letter_pdf: bytes) -> None:
    out = io.BytesIO()
    result = convert_inbound(letter_pdf, out)
    assert result.pdf == letter_pdf
    assert (result.page_count, result.source_kind) == (3, DocumentKind.PDF)
    tags = tiff_tags(out.getvalue())
    assert len(tags) == 3
    # No header band is added to a received fax: page height is the page alone.
    assert tags[0][257] == round(792 * 1728 / 612 * 196 / 204)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_garbage_from_a_carrier_is_rejected() -> None:
    with pytest.raises(DocumentRejected) as info:
        convert_inbound(b"II*\x00garbage", io.BytesIO())
    assert info.value.code is RejectionCode.CORRUPT
