"""Shared pdfium plumbing: one lock, and documents that are always closed.

PDFium is not thread-safe (and pypdfium2 does no locking); ctypes releases the GIL during
calls, so two threads of one process (a threaded web server making previews, say) could
enter it at once. Every pdfium call in this package runs under ``PDFIUM_LOCK``; it is held
per page, never across a ``yield``, so a slow consumer does not block other threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pypdfium2 as pdfium

from .pdf import corrupt

PDFIUM_LOCK = threading.RLock()

PdfSource = bytes | str | os.PathLike[str]


@contextmanager
def open_pdf(source: PdfSource, *, forms: bool = False) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF with pdfium (a damaged one is a ``corrupt`` rejection) and close it after."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(
                os.fspath(source) if not isinstance(source, bytes) else source
            )
        except Exception as exc:
            raise corrupt("") from exc
        if forms:
            # Form fields without appearance streams are only drawn with a form environment.
            document.init_forms()
    try:
        yield document
    finally:
        with PDFIUM_LOCK:
            document.close()
