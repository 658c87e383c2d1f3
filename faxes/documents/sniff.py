"""Identify a document from its bytes; names, extensions and declared types are never trusted."""

from __future__ import annotations

from enum import StrEnum

import filetype

from .errors import DocumentRejected, RejectionCode, describe


class DocumentKind(StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    PNG = "png"
    JPEG = "jpeg"

    @property
    def mime_type(self) -> str:
        return _MIME[self]

    @property
    def pillow_format(self) -> str:
        return self.value.upper()

    @property
    def is_image(self) -> bool:
        return self is not DocumentKind.PDF


_MIME = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.TIFF: "image/tiff",
    DocumentKind.PNG: "image/png",
    DocumentKind.JPEG: "image/jpeg",
}

SUPPORTED_TYPES_TEXT = "PDF, TIFF, PNG or JPEG"

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
    "rtf": "an RTF document",
    "zip": "a ZIP archive",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "webp": "a WebP image",
    "heic": "a HEIC photo",
    "avif": "an AVIF image",
    "svg": "an SVG drawing",
    "html": "a web page (HTML)",
    "txt": "a plain-text file",
}


def detect(data: bytes) -> DocumentKind | None:
    """The supported kind these bytes are, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentKind.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return DocumentKind.JPEG
    # Classic TIFF and BigTIFF, both byte orders.
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return DocumentKind.TIFF
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return DocumentKind.PDF
    return None


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
    if head.startswith(b"{\\rtf"):
        return _FRIENDLY["rtf"]
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "a Microsoft Office (97-2003) document"
    try:
        sample = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if sample and all(ch.isprintable() or ch in "\r\n\t\f" for ch in sample):
        return _FRIENDLY["txt"]
    return None


def sniff(data: bytes, *, filename: str = "") -> DocumentKind:
    """The document's kind, or :class:`DocumentRejected` (``unsupported_type``)."""
    kind = detect(data)
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
