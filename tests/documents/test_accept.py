"""The accept step: what is accepted, with how many pages, and every way a file is refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from faxes.documents import (
    DocumentKind,
    DocumentLimits,
    DocumentRejected,
    RejectionCode,
    accept_document,
    accept_file,
    sniff,
)
from faxes.documents.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, DEFAULT_MAX_PIXELS

from . import factories


def rejected(data: bytes, *, filename: str = "doc", limits: DocumentLimits | None = None):
    with pytest.raises(DocumentRejected) as info:
        accept_document(data, filename=filename, limits=limits or DocumentLimits())
    return info.value


# --- accepted types -----------------------------------------------------------------------


def test_pdf_is_accepted_with_its_page_count(letter_pdf: bytes) -> None:
    doc = accept_document(letter_pdf, filename="letter.pdf", limits=DocumentLimits())
    assert doc.kind is DocumentKind.PDF
    assert doc.page_count == 3
    assert doc.mime_type == "application/pdf"
    assert doc.filename == "letter.pdf"


@pytest.mark.parametrize(
    ("compression", "mode"),
    [
        ("group4", "1"),
        ("group3", "1"),
        ("packbits", "1"),
        ("tiff_lzw", "L"),
        ("tiff_adobe_deflate", "L"),
        ("jpeg", "RGB"),
        ("raw", "RGB"),
        (None, "P"),
    ],
)
def test_tiff_any_compression_multi_page(compression: str | None, mode: str) -> None:
    data = factories.multipage_tiff(
        3, (400, 500), compression=compression or "raw", mode=mode, dpi=(100, 100)
    )
    doc = accept_document(data, limits=DocumentLimits())
    assert doc.kind is DocumentKind.TIFF
    assert doc.page_count == 3


def test_single_page_tiff() -> None:
    doc = accept_document(factories.multipage_tiff(1), limits=DocumentLimits())
    assert (doc.kind, doc.page_count) == (DocumentKind.TIFF, 1)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "LA"])
def test_png_modes(mode: str) -> None:
    image = factories.text_image((300, 400), mode="L").convert(mode)
    out = io.BytesIO()
    image.save(out, "PNG")
    doc = accept_document(out.getvalue(), limits=DocumentLimits())
    assert (doc.kind, doc.page_count) == (DocumentKind.PNG, 1)


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK"])
def test_jpeg_modes(mode: str) -> None:
    image = factories.text_image((300, 400), mode="L").convert(mode)
    out = io.BytesIO()
    image.save(out, "JPEG")
    doc = accept_document(out.getvalue(), limits=DocumentLimits())
    assert (doc.kind, doc.page_count) == (DocumentKind.JPEG, 1)


def test_type_comes_from_the_bytes_not_the_name() -> None:
    png = factories.image_bytes("PNG", (200, 200))
    assert accept_document(png, filename="report.pdf").kind is DocumentKind.PNG
    assert sniff(png, filename="scan.tiff") is DocumentKind.PNG
    # Text named like a PDF is faxed as the text it is (tests/documents/test_office.py).
    assert sniff(b"Just some text, honest.\n" * 10, filename="letter.pdf") is DocumentKind.TXT
    error = rejected(b"MZ\x90\x00\x03 an executable", filename="letter.pdf")
    assert error.code is RejectionCode.UNSUPPORTED_TYPE


def test_pdf_header_after_leading_junk_is_still_a_pdf(letter_pdf: bytes) -> None:
    doc = accept_document(b"\r\n\x00junk from a mail gateway\n" + letter_pdf)
    assert (doc.kind, doc.page_count) == (DocumentKind.PDF, 3)


# --- rejections ---------------------------------------------------------------------------


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes/readme.md", "# hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        # Office and plain-text files are faxed now (tests/documents/test_office.py); a ZIP
        # that is no Office package and PostScript are not.
        (_zip(), "ZIP archive"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "web page"),
        (b"GIF89a" + b"\x00" * 64, "GIF image"),
        (b"%!PS-Adobe-3.0\n%%Pages: 1\n", "PostScript"),
        (bytes(range(256)) * 4, ""),
    ],
)
def test_unsupported_types_say_what_they_look_like(data: bytes, hint: str) -> None:
    error = rejected(data, filename="upload.bin")
    assert error.code is RejectionCode.UNSUPPORTED_TYPE
    assert "PDF, TIFF, PNG or JPEG" in error.message
    assert "“upload.bin”" in error.message
    assert hint in error.message


def test_empty_file() -> None:
    error = rejected(b"", filename="blank.pdf")
    assert error.code is RejectionCode.EMPTY
    assert error.message == "“blank.pdf” is empty."


def test_too_large_with_configured_limit(letter_pdf: bytes) -> None:
    error = rejected(letter_pdf, limits=DocumentLimits(max_bytes=len(letter_pdf) - 1))
    assert error.code is RejectionCode.TOO_LARGE
    assert "at most" in error.message
    accept_document(letter_pdf, limits=DocumentLimits(max_bytes=len(letter_pdf)))


def test_default_size_limit_is_ten_megabytes() -> None:
    assert DocumentLimits().max_bytes == 10 * 1024 * 1024
    data = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    error = rejected(data)
    assert error.code is RejectionCode.TOO_LARGE
    assert "10.0 MB" in error.message


def test_limits_come_from_settings(settings, letter_pdf: bytes) -> None:
    assert DocumentLimits.from_settings() == DocumentLimits(
        settings.FAXPORTAL_MAX_DOCUMENT_BYTES,
        settings.FAXPORTAL_MAX_DOCUMENT_PAGES,
        settings.FAXPORTAL_MAX_IMAGE_PIXELS,
    )
    settings.FAXPORTAL_MAX_DOCUMENT_BYTES = 2048
    settings.FAXPORTAL_MAX_DOCUMENT_PAGES = 2
    with pytest.raises(DocumentRejected) as info:
        accept_document(letter_pdf)  # no explicit limits: the settings apply
    assert info.value.code is RejectionCode.TOO_LARGE
    settings.FAXPORTAL_MAX_DOCUMENT_BYTES = 10_000_000
    with pytest.raises(DocumentRejected) as info:
        accept_document(letter_pdf)
    assert info.value.code is RejectionCode.TOO_MANY_PAGES


def test_defaults_without_django_settings_match_the_issue() -> None:
    assert (DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, DEFAULT_MAX_PIXELS) == (
        10 * 1024 * 1024,
        200,
        40_000_000,
    )


def test_too_many_pages_pdf_default_limit() -> None:
    pdf = factories.build_pdf([factories.PageSpec() for _ in range(201)])
    error = rejected(pdf, filename="huge.pdf")
    assert error.code is RejectionCode.TOO_MANY_PAGES
    assert "at most 200 pages" in error.message
    assert accept_document(factories.build_pdf([factories.PageSpec()] * 200)).page_count == 200


def test_too_many_pages_tiff() -> None:
    error = rejected(factories.multipage_tiff(3, (300, 300)), limits=DocumentLimits(max_pages=2))
    assert error.code is RejectionCode.TOO_MANY_PAGES


def test_pdf_with_password_is_refused() -> None:
    error = rejected(factories.encrypted_pdf(), filename="secret.pdf")
    assert error.code is RejectionCode.ENCRYPTED
    assert "password" in error.message


def test_pdf_with_only_an_owner_password_is_refused_too() -> None:
    error = rejected(factories.encrypted_pdf(user_password=""))
    assert error.code is RejectionCode.ENCRYPTED
    assert "encrypted" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + b"this is not a pdf body" * 20,
        b"%PDF-1.7\n%%EOF\n",
        b"%PDF-",
    ],
)
def test_corrupt_pdf(data: bytes) -> None:
    error = rejected(data, filename="broken.pdf")
    assert error.code is RejectionCode.CORRUPT
    assert "damaged" in error.message


def test_truncated_pdf_without_pages_is_corrupt(letter_pdf: bytes) -> None:
    error = rejected(letter_pdf[:200])
    assert error.code is RejectionCode.CORRUPT


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "TIFF"])
def test_truncated_images_are_corrupt(kind: str) -> None:
    data = factories.image_bytes(kind, (600, 800), mode="RGB")
    error = rejected(data[: len(data) // 2])
    assert error.code is RejectionCode.CORRUPT


def test_decompression_bomb_png_is_refused_before_decoding() -> None:
    error = rejected(factories.png_bomb(100_000, 100_000), filename="bomb.png")
    assert error.code is RejectionCode.TOO_MANY_PIXELS


def test_image_just_over_the_pixel_limit_names_its_size() -> None:
    error = rejected(factories.png_bomb(8000, 5001))
    assert error.code is RejectionCode.TOO_MANY_PIXELS
    assert "8,000 x 5,001 pixels" in error.message
    assert "40 million" in error.message


def test_tiff_frame_over_the_pixel_limit() -> None:
    data = factories.multipage_tiff(2, (1200, 1000))
    error = rejected(data, limits=DocumentLimits(max_pixels=1_000_000))
    assert error.code is RejectionCode.TOO_MANY_PIXELS


def test_pdf_embedding_an_oversized_image() -> None:
    out = io.BytesIO()
    Image.new("1", (2000, 1000), 1).save(out, "PDF")
    error = rejected(out.getvalue(), limits=DocumentLimits(max_pixels=1_000_000))
    assert error.code is RejectionCode.TOO_MANY_PIXELS


def test_png_with_bad_compressed_data_is_corrupt() -> None:
    ihdr = struct.pack(">IIBBBBB", 10, 10, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"not zlib at all")
        + chunk(b"IEND", b"")
    )
    assert rejected(data).code is RejectionCode.CORRUPT


def test_accept_file_stops_reading_at_the_limit() -> None:
    class Stream(io.BytesIO):
        read_sizes: list[int] = []

        def read(self, size: int | None = -1) -> bytes:
            self.read_sizes.append(size if size is not None else -1)
            return super().read(size)

    stream = Stream(b"%PDF-" + b"x" * 5000)
    with pytest.raises(DocumentRejected) as info:
        accept_file(stream, filename="big.pdf", limits=DocumentLimits(max_bytes=1000))
    assert info.value.code is RejectionCode.TOO_LARGE
    assert stream.read_sizes == [1001]


def test_accept_file_trusts_a_declared_upload_size() -> None:
    class Upload(io.BytesIO):
        size = 50_000_000
        name = "scan.pdf"

    with pytest.raises(DocumentRejected) as info:
        accept_file(Upload(b"%PDF-"))
    assert info.value.code is RejectionCode.TOO_LARGE
    assert "“scan.pdf”" in info.value.message


def test_rejection_is_a_value_error_with_code_and_message() -> None:
    error = rejected(b"")
    assert isinstance(error, ValueError)
    assert error.as_dict() == {"code": "empty", "message": "“doc” is empty."}
    assert str(error) == error.message


def test_damage_behind_a_page_is_found_at_accept_time(letter_pdf: bytes) -> None:
    """A page whose font object is garbage still counts as a page; it must be refused now,
    not when the fax is combined and rendered later (found by the property tests)."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    assert font in letter_pdf
    broken = letter_pdf.replace(font, b"tru".ljust(len(font)))  # same length: xref stays valid
    assert rejected(broken).code is RejectionCode.CORRUPT
