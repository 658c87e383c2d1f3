"""PDF checks: encryption, damage, page count and embedded-image size, before anything renders."""

from __future__ import annotations

import io
import logging

import pypdfium2 as pdfium
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.generic import DictionaryObject

from .errors import DocumentRejected, RejectionCode, describe
from .limits import DocumentLimits

# pypdf logs a warning for every repairable oddity in a damaged file; those files are either
# rejected with a clear message or render fine, so the log noise helps nobody.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def corrupt(filename: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.CORRUPT,
        f"{describe(filename)} could not be read: it seems to be damaged or incomplete, or uses "
        "a variant of the format we cannot process. Please export or scan it again.",
        filename=filename,
    )


def too_many_pages(filename: str, pages: int | None, limit: int) -> DocumentRejected:
    counted = f"has {pages} pages" if pages is not None else f"has more than {limit} pages"
    return DocumentRejected(
        RejectionCode.TOO_MANY_PAGES,
        f"{describe(filename)} {counted}; a fax can have at most {limit} pages. "
        "Please split it into several faxes.",
        filename=filename,
    )


def too_many_pixels(filename: str, size: tuple[int, int] | None, limit: int) -> DocumentRejected:
    dims = f" ({size[0]:,} x {size[1]:,} pixels)" if size else ""
    return DocumentRejected(
        RejectionCode.TOO_MANY_PIXELS,
        f"{describe(filename)} contains an image that is too large{dims}; images can have at "
        f"most {limit / 1e6:g} million pixels. Please scale it down and try again.",
        filename=filename,
    )


def open_reader(data: bytes, filename: str) -> PdfReader:
    """An unencrypted, parseable pypdf reader, or a typed rejection."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise corrupt(filename) from exc
    if encrypted:
        try:
            needs_password = reader.decrypt("") == PasswordType.NOT_DECRYPTED
        except Exception:
            needs_password = True
        if needs_password:
            message = (
                f"{describe(filename)} is protected with a password. Please remove the password "
                "(for example, open it and print it to a new PDF) and send it again."
            )
        else:
            # Owner-password PDFs open without a password but are still encrypted; they are
            # refused too so that what we store and fax is never an encrypted file.
            message = (
                f"{describe(filename)} is an encrypted PDF (it has copy or print restrictions). "
                "Please save or print it to a new, unprotected PDF and send it again."
            )
        raise DocumentRejected(RejectionCode.ENCRYPTED, message, filename=filename)
    return reader


def _largest_image(page: DictionaryObject) -> tuple[int, int] | None:
    """Biggest image XObject drawn directly by the page, from its dictionary (nothing decoded)."""
    resources = page.get("/Resources")
    if resources is None:
        return None
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return None
    largest: tuple[int, int] | None = None
    for ref in xobjects.get_object().values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") != "/Image":
            continue
        size = (int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0)))
        if largest is None or size[0] * size[1] > largest[0] * largest[1]:
            largest = size
    return largest


def append_pdf(writer: PdfWriter, reader: PdfReader) -> None:
    """Copy every page of ``reader`` to ``writer`` (bookmarks are not faxed: left out)."""
    writer.append(reader, import_outline=False)


def inspect_pdf(data: bytes, limits: DocumentLimits, filename: str = "") -> int:
    """Page count of a PDF we can fax; raises :class:`DocumentRejected` otherwise."""
    reader = open_reader(data, filename)
    pages = 0
    try:
        # Walking the page tree counts the pages that exist, not the /Count a file claims.
        for page in reader.pages:
            pages += 1
            if pages > limits.max_pages:
                raise too_many_pages(filename, None, limits.max_pages)
            box = page.mediabox
            if not (float(box.width) > 0 and float(box.height) > 0):
                raise corrupt(filename)
            image = _largest_image(page)
            if image and image[0] * image[1] > limits.max_pixels:
                raise too_many_pixels(filename, image, limits.max_pixels)
    except DocumentRejected:
        raise
    except Exception as exc:
        raise corrupt(filename) from exc
    if pages == 0:
        raise corrupt(filename)
    # Counting reads only the page dictionaries; combining later copies everything a page
    # refers to (content streams, fonts, images) and would trip over a damaged object there.
    # Doing that copy now means an accepted file is a file that will combine.
    try:
        writer = PdfWriter()
        append_pdf(writer, reader)
        writer.write(io.BytesIO())
    except Exception as exc:
        raise corrupt(filename) from exc
    if len(writer.pages) != pages:
        raise corrupt(filename)
    # pdfium renders what pypdf accepted; a file it cannot even open must be refused now,
    # not when the fax is being sent.
    try:
        document = pdfium.PdfDocument(data)
    except Exception as exc:
        raise corrupt(filename) from exc
    try:
        if len(document) == 0:
            raise corrupt(filename)
    finally:
        document.close()
    return pages
