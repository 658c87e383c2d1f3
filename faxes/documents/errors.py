"""Typed, user-facing rejections.

Every way a document can be refused ends as a :class:`DocumentRejected`; callers (API views,
the upload form, the URL fetcher, the ``renderfax`` command) map it to a 4xx and show
``message`` verbatim, so messages are written for the person who sent the file.
"""

from __future__ import annotations

from enum import StrEnum

from faxes.failures import FaxFailure, for_rejection


class RejectionCode(StrEnum):
    UNSUPPORTED_TYPE = "unsupported_type"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TOO_MANY_PAGES = "too_many_pages"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    TOO_MANY_PIXELS = "too_many_pixels"
    TOO_LONG_TO_SEND = "too_long_to_send"  # a page would hold a fax line too long
    # Office documents (converted to PDF by LibreOffice, faxes/documents/office.py):
    PASSWORD_PROTECTED = "password_protected"  # noqa: S105 - an Office file needing its password
    CONVERSION_FAILED = "conversion_failed"  # LibreOffice could not open or convert it
    TOO_COMPLEX = "too_complex"  # converting it passed the time or memory limit
    CONVERTER_MISSING = "converter_missing"  # LibreOffice is not installed on this server
    CONVERTER_BUSY = "converter_busy"  # every conversion slot stayed taken (try again)


class DocumentRejected(FaxFailure, ValueError):
    """A document the portal will not fax, with a stable ``code`` and a readable ``message``;
    ``failure`` is the code's entry of ``faxes.failures`` (never retried)."""

    def __init__(self, code: RejectionCode | str, message: str, *, filename: str = "") -> None:
        self.code = RejectionCode(code)
        self.filename = filename
        super().__init__(message, failure=for_rejection(self.code))

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}

    def __repr__(self) -> str:
        return f"DocumentRejected({self.code.value!r}, {self.message!r})"


def describe(filename: str) -> str:
    """How messages refer to a file: by name when we have one."""
    return f"“{filename}”" if filename else "The file"
