"""Received fax pages with known words, and reading PDFs back."""

from __future__ import annotations

import io

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
