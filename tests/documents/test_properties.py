"""Property-based: whatever bytes arrive, the accept step answers with an accepted document or
a typed rejection, never another exception (which the API would turn into a 500)."""

from __future__ import annotations

import io
import warnings

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from faxes.documents import (
    AcceptedDocument,
    DocumentLimits,
    DocumentRejected,
    RenderOptions,
    accept_document,
    accept_fetched,
    combine_documents,
    render_fax_tiff,
)

from . import factories

LIMITS = DocumentLimits(max_bytes=2 * 1024 * 1024, max_pages=20, max_pixels=4_000_000)

SEEDS = {
    "pdf": factories.text_pdf(2, line_count=5),
    "png": factories.image_bytes("PNG", (120, 160)),
    "jpeg": factories.image_bytes("JPEG", (120, 160), mode="RGB"),
    "tiff_g4": factories.multipage_tiff(2, (256, 200)),
    "tiff_lzw": factories.multipage_tiff(2, (120, 160), compression="tiff_lzw", mode="L"),
}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid document with a few bytes flipped, inserted, deleted or the tail cut off."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "zero"]))
        if len(data) < 2:
            break
        # Mostly past the signature, so that the parsers behind it get exercised.
        start = draw(st.sampled_from([0, min(16, len(data) - 1)]))
        at = draw(st.integers(start, len(data) - 1))
        if operation == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[at:]
        else:
            data[at : at + 8] = b"\x00" * 8
    return bytes(data)


def check(data: bytes) -> AcceptedDocument | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about odd EXIF; that is fine
        try:
            # Random bytes that read as text would each start LibreOffice (seconds apiece):
            # here it is "not installed", so sniffing is what is fuzzed; the conversion of
            # hostile files has its own tests (test_office.py).
            with override_settings(FAXPORTAL_SOFFICE="/nonexistent/soffice"):
                doc = accept_document(data, filename="fuzz", limits=LIMITS)
            event("accepted")
            return doc
        except DocumentRejected as rejection:
            event(rejection.code.value)
            assert rejection.code.value in {
                "unsupported_type",
                "empty",
                "too_large",
                "too_many_pages",
                "encrypted",
                "corrupt",
                "too_many_pixels",
                # Bytes that read as text are converted by LibreOffice (office.py).
                "conversion_failed",
                "too_complex",
                "password_protected",
                "converter_missing",
            }
            assert rejection.message and "Traceback" not in rejection.message
            return None


@settings(
    database=None, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    check(data)


@settings(database=None, max_examples=60, deadline=None)
@given(
    st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"II*\x00"]),
    st.binary(max_size=2048),
)
def test_random_bytes_behind_a_valid_signature(magic: bytes, tail: bytes) -> None:
    check(magic + tail)


@settings(
    database=None, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated())
def test_mutated_documents(data: bytes) -> None:
    check(data)


@settings(
    database=None, max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated(), st.sampled_from(["text/html", "application/pdf", None]))
def test_mutated_documents_that_pass_also_combine_and_render(data: bytes, declared) -> None:
    """Acceptance is a promise: an accepted file must convert and render later."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            doc = accept_fetched(data, declared, url="https://x.test/f", limits=LIMITS)
        except DocumentRejected:
            return
        try:
            combined = combine_documents([doc], limits=LIMITS)
        except DocumentRejected as rejection:
            pytest.fail(f"accepted, then refused by combine: {rejection!r}")
        result = render_fax_tiff(combined.pdf, io.BytesIO(), RenderOptions(), limits=LIMITS)
        assert result.page_count == combined.page_count == doc.page_count
