"""Identify a document from its bytes; names, extensions and declared types are never trusted."""

from __future__ import annotations

from enum import StrEnum

import filetype

from .containers import DEFAULT_MAX_UNPACKED, office_kind
from .errors import DocumentRejected, RejectionCode, describe


class DocumentKind(StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    PNG = "png"
    JPEG = "jpeg"
    # Office and text documents, converted to PDF by LibreOffice (office.py).
    DOCX = "docx"
    DOC = "doc"
    ODT = "odt"
    RTF = "rtf"
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    PPTX = "pptx"
    PPT = "ppt"
    ODP = "odp"
    TXT = "txt"
    CSV = "csv"

    @property
    def mime_type(self) -> str:
        return _MIME[self]

    @property
    def pillow_format(self) -> str:
        return self.value.upper()

    @property
    def is_image(self) -> bool:
        return self in (DocumentKind.TIFF, DocumentKind.PNG, DocumentKind.JPEG)

    @property
    def is_office(self) -> bool:
        """Converted to PDF by LibreOffice before anything else is done with it."""
        return not self.is_image and self is not DocumentKind.PDF


_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
_MIME = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.TIFF: "image/tiff",
    DocumentKind.PNG: "image/png",
    DocumentKind.JPEG: "image/jpeg",
    DocumentKind.DOCX: f"{_OOXML}.wordprocessingml.document",
    DocumentKind.DOC: "application/msword",
    DocumentKind.ODT: f"{_ODF}.text",
    DocumentKind.RTF: "application/rtf",
    DocumentKind.XLSX: f"{_OOXML}.spreadsheetml.sheet",
    DocumentKind.XLS: "application/vnd.ms-excel",
    DocumentKind.ODS: f"{_ODF}.spreadsheet",
    DocumentKind.PPTX: f"{_OOXML}.presentationml.presentation",
    DocumentKind.PPT: "application/vnd.ms-powerpoint",
    DocumentKind.ODP: f"{_ODF}.presentation",
    DocumentKind.TXT: "text/plain",
    DocumentKind.CSV: "text/csv",
}

SUPPORTED_TYPES_TEXT = (
    "PDF, TIFF, PNG or JPEG file, an Office document (Word, Excel, PowerPoint, OpenDocument, "
    "RTF) or a plain-text or CSV"
)

# Readers (Acrobat, pdfium) accept a PDF header anywhere in the first 1 KiB, after junk some
# generators and mail gateways prepend; so do we.
_PDF_HEADER_WINDOW = 1024

# Friendlier names than a MIME type for what people most often try to fax.
_FRIENDLY = {
    "docx": "a Word document",
    "doc": "a Word document",
    "xlsx": "an Excel spreadsheet",
    "xls": "an Excel spreadsheet",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument text file",
    "ods": "an OpenDocument spreadsheet",
    "zip": "a ZIP archive",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "webp": "a WebP image",
    "heic": "a HEIC photo",
    "avif": "an AVIF image",
    "svg": "an SVG drawing",
    "html": "a web page (HTML)",
    "ps": "a PostScript file",
}


def detect(
    data: bytes, *, filename: str = "", max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> DocumentKind | None:
    """The supported kind these bytes are, or None. An Office file that must not be
    converted (password-protected, a zip bomb, damaged) raises :class:`DocumentRejected`."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentKind.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return DocumentKind.JPEG
    # Classic TIFF and BigTIFF, both byte orders.
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return DocumentKind.TIFF
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return DocumentKind.PDF
    office = office_kind(data, filename=filename, max_unpacked=max_unpacked)
    return DocumentKind(office) if office else None


def guess_unsupported(data: bytes) -> str | None:
    """A human name for an unsupported file, for the rejection message."""
    guess = filetype.guess(data)
    if guess is not None:
        name = guess.extension.upper()
        return _FRIENDLY.get(guess.extension, f"{'an' if name[:1] in 'AEIOU' else 'a'} {name} file")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return _FRIENDLY["html"]
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:2048]):
        return _FRIENDLY["svg"]
    if head.startswith((b"%!ps", b"%!")):
        return "a PostScript file"
    return None


def sniff(
    data: bytes, *, filename: str = "", max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> DocumentKind:
    """The document's kind, or :class:`DocumentRejected` (``unsupported_type``, or why an
    Office file cannot be converted)."""
    kind = detect(data, filename=filename, max_unpacked=max_unpacked)
    if kind is not None:
        return kind
    what = guess_unsupported(data)
    found = f" It looks like {what}." if what else ""
    raise DocumentRejected(
        RejectionCode.UNSUPPORTED_TYPE,
        f"{describe(filename)} is not a file type we can fax.{found} "
        f"Please send a {SUPPORTED_TYPES_TEXT} file.",
        filename=filename,
    )
