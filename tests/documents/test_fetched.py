"""Content sniffing of documents fetched from a URL."""

from __future__ import annotations

import pytest

from faxes.documents import DocumentKind, DocumentLimits, DocumentRejected, RejectionCode
from faxes.documents import accept_fetched as fetched

from . import factories


def test_declared_type_does_not_decide(letter_pdf: bytes) -> None:
    doc = fetched(letter_pdf, "application/octet-stream", url="https://x.test/files/a%20b.pdf")
    assert (doc.kind, doc.page_count, doc.filename) == (DocumentKind.PDF, 3, "a b.pdf")
    png = factories.image_bytes("PNG", (100, 100))
    assert fetched(png, "application/pdf", url="https://x.test/doc.pdf").kind is DocumentKind.PNG


def test_web_page_gets_a_specific_message() -> None:
    with pytest.raises(DocumentRejected) as info:
        fetched(
            b"<!doctype html><title>Login</title>",
            "text/html; charset=utf-8",
            url="https://x.test/share/123",
        )
    assert info.value.code is RejectionCode.UNSUPPORTED_TYPE
    assert "returned a web page" in info.value.message
    assert "https://x.test/share/123" in info.value.message


def test_same_checks_as_uploads(letter_pdf: bytes) -> None:
    cases = [
        (b"", RejectionCode.EMPTY),
        (letter_pdf, RejectionCode.TOO_LARGE),
        (factories.encrypted_pdf(), RejectionCode.ENCRYPTED),
        (b"%PDF-1.4 garbage", RejectionCode.CORRUPT),
        (factories.png_bomb(), RejectionCode.TOO_MANY_PIXELS),
        (b"PK\x03\x04" + b"\x00" * 40, RejectionCode.UNSUPPORTED_TYPE),
    ]
    for data, code in cases:
        limits = DocumentLimits(max_bytes=len(letter_pdf) - 1)
        with pytest.raises(DocumentRejected) as info:
            fetched(data, "application/pdf", url="https://x.test/f.pdf", limits=limits)
        assert info.value.code is code


def test_truncated_download_is_too_large() -> None:
    """A fetcher that stops at max_bytes + 1 gets ``too_large`` without reading the rest."""
    limits = DocumentLimits(max_bytes=1000)
    with pytest.raises(DocumentRejected) as info:
        fetched(b"%PDF-" + b"x" * 996, None, limits=limits)
    assert info.value.code is RejectionCode.TOO_LARGE
