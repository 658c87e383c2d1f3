"""Received fax pages with known words, and reading PDFs back."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from pypdf import PdfReader

from faxes.documents import RenderOptions, render_fax_tiff
from faxes.documents.faxspec import Resolution
from tests.factories import text_pdf

WORDS = "Prescription renewal Miller"


def fax_page_tiff(text: str = WORDS, resolution: Resolution = Resolution.FINE) -> bytes:
    """A received fax as a fax machine sends it: 1728-wide bilevel G4 pages."""
    out = io.BytesIO()
    render_fax_tiff(text_pdf(1, text=text), out, RenderOptions(resolution=resolution))
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def word_box(data: bytes, word: str, page_index: int = 0) -> tuple[float, float, float, float]:
    """Where ``word`` of the text layer lies on the page, in the page's own coordinates
    (points from the bottom-left of its media box, before any /Rotate): left, bottom,
    right, top."""
    document = pdfium.PdfDocument(data)
    try:
        page = document[page_index]
        text = page.get_textpage()
        found = text.search(word).get_next()
        assert found is not None, f"{word!r} is not in the text layer"
        index, count = found
        boxes = [text.get_charbox(i) for i in range(index, index + count)]
        text.close()
        page.close()
    finally:
        document.close()
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip
