"""The accept step: bytes in, an :class:`AcceptedDocument` or a :class:`DocumentRejected` out.

Every check that can refuse a file runs here, before a fax is created, so the sender gets a
4xx with a clear message instead of a fax that fails later. No other exception escapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from .errors import DocumentRejected, RejectionCode, describe
from .faxspec import PaperSize
from .images import inspect_image
from .limits import DocumentLimits, resolve
from .office import convert_to_pdf
from .pdf import corrupt, inspect_pdf, too_many_pages
from .sniff import DocumentKind, sniff


@dataclass(frozen=True)
class AcceptedDocument:
    data: bytes  # as sent (what is stored)
    kind: DocumentKind
    page_count: int
    filename: str = ""
    converted: bytes | None = None  # an Office document's PDF, made by LibreOffice

    @property
    def mime_type(self) -> str:
        return self.kind.mime_type

    @property
    def pdf(self) -> bytes | None:
        """The document as a PDF, when it is one or was converted to one (not images)."""
        return self.data if self.kind is DocumentKind.PDF else self.converted

    def __repr__(self) -> str:  # never dump megabytes of bytes into a log line
        return (
            f"AcceptedDocument(kind={self.kind.value!r}, pages={self.page_count}, "
            f"bytes={len(self.data)}, filename={self.filename!r}, "
            f"converted={len(self.converted) if self.converted is not None else None})"
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def too_large(filename: str, size: int | None, limit: int) -> DocumentRejected:
    actual = f"is {_megabytes(size)}" if size is not None else "is too large"
    return DocumentRejected(
        RejectionCode.TOO_LARGE,
        f"{describe(filename)} {actual}; files can be at most {_megabytes(limit)}.",
        filename=filename,
    )


def accept_document(
    data: bytes,
    *,
    filename: str = "",
    limits: DocumentLimits | None = None,
    paper: PaperSize | None = None,
) -> AcceptedDocument:
    """Validate one file for faxing. Raises only :class:`DocumentRejected`. ``paper`` is the
    page size an Office or text document without one of its own is laid out on."""
    limits = resolve(limits)
    if not data:
        raise DocumentRejected(
            RejectionCode.EMPTY, f"{describe(filename)} is empty.", filename=filename
        )
    if len(data) > limits.max_bytes:
        raise too_large(filename, len(data), limits.max_bytes)
    kind = sniff(data, filename=filename, max_unpacked=limits.max_unpacked)
    converted = None
    try:
        if kind.is_office:
            converted = convert_to_pdf(
                data, kind, filename=filename, max_pages=limits.max_pages, paper=paper
            )
            pages = inspect_pdf(converted, limits, filename)
        elif kind is DocumentKind.PDF:
            pages = inspect_pdf(data, limits, filename)
        else:
            pages = inspect_image(data, kind, limits, filename)
    except DocumentRejected:
        raise
    except Exception as exc:  # the promise is "never a 500": anything unforeseen is damage
        raise corrupt(filename) from exc
    if pages > limits.max_pages:
        # An Office document is converted up to one page past the limit: it has at least that.
        raise too_many_pages(filename, None if converted else pages, limits.max_pages)
    return AcceptedDocument(
        data=bytes(data), kind=kind, page_count=pages, filename=filename, converted=converted
    )


def read_limited(
    stream: BinaryIO, *, filename: str = "", limits: DocumentLimits | None = None
) -> bytes:
    """Read a file-like object, refusing it as soon as it passes the size limit (an upload or
    a file on disk is never read whole just to find out it is too big)."""
    limits = resolve(limits)
    data = stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise too_large(filename, None, limits.max_bytes)
    return data


def accept_file(
    stream: BinaryIO, *, filename: str = "", limits: DocumentLimits | None = None
) -> AcceptedDocument:
    """:func:`accept_document` for an open file or a Django ``UploadedFile``."""
    limits = resolve(limits)
    name = filename or str(getattr(stream, "name", "") or "")
    size = getattr(stream, "size", None)
    if isinstance(size, int) and size > limits.max_bytes:
        raise too_large(name, size, limits.max_bytes)
    return accept_document(
        read_limited(stream, filename=name, limits=limits), filename=name, limits=limits
    )
