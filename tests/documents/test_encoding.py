"""Fast path of the fax renderer: numpy thresholding and bit-packing, CCITT encoding with the
system libtiff through ctypes, and the Pillow fallback when libtiff cannot be loaded."""

from __future__ import annotations

import ctypes.util
import io
import logging
import threading
import tracemalloc
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from faxes.documents import (
    FAX_WIDTH,
    Compression,
    FaxHeader,
    RenderOptions,
    Resolution,
    libtiff,
    raster,
    render_fax_tiff,
    tiffwriter,
)
from faxes.documents.render import iter_fax_pages

from . import factories
from .helpers import tiff_pages, tiff_tags

HEADER = FaxHeader("ACME CLINIC", "+15551230000", "UTC", datetime(2024, 3, 1, 17, 30, tzinfo=UTC))
ROW_BYTES = FAX_WIDTH // 8

needs_libtiff = pytest.mark.skipif(
    not libtiff.available(), reason="libtiff.so.6 not installed (Debian's libtiff6)"
)


@pytest.fixture
def without_libtiff(monkeypatch):
    """Make libtiff look missing, as on a machine without Debian's libtiff6."""
    monkeypatch.setattr(libtiff, "SONAMES", ("libtiff-missing-for-tests.so.99",))
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    libtiff.library.cache_clear()
    yield
    libtiff.library.cache_clear()  # monkeypatch undoes the names after this; load again later


def text_bits(height: int = 600) -> np.ndarray:
    page = factories.text_image((FAX_WIDTH, height), mode="1", text="Fax text 0123456789")
    return np.frombuffer(page.tobytes("raw", "1;I"), np.uint8).reshape(height, ROW_BYTES)


def noise_bits(height: int = 300, seed: int = 7) -> np.ndarray:
    """A worst case for run-length coding: a transition almost every pixel."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, ROW_BYTES), dtype=np.uint8)


def decoded_bits(tiff: bytes) -> list[np.ndarray]:
    """Every page of a fax TIFF, decoded by Pillow, as packed rows with 1 = ink."""
    return [
        np.frombuffer(page.tobytes("raw", "1;I"), np.uint8).reshape(page.height, ROW_BYTES)
        for page in tiff_pages(tiff)
    ]


# --- libtiff through ctypes -----------------------------------------------------------------


@needs_libtiff
@pytest.mark.parametrize("compression", list(Compression))
@pytest.mark.parametrize("bits", [text_bits(), noise_bits()], ids=["text", "noise"])
def test_libtiff_encodes_exactly_like_pillow(bits: np.ndarray, compression) -> None:
    ours = libtiff.encode_ccitt(bits, FAX_WIDTH, len(bits), compression)
    pillow = tiffwriter._pillow_ccitt(bits.tobytes(), len(bits), compression)
    assert ours == pillow
    assert len(ours) > 0


@needs_libtiff
@pytest.mark.parametrize("compression", list(Compression))
def test_encoded_pages_decode_to_the_same_pixels(compression) -> None:
    pages = [text_bits(), noise_bits(), np.zeros((5, ROW_BYTES), np.uint8)]
    out = io.BytesIO()
    with tiffwriter.FaxTiffWriter(out, compression=compression, total_pages=3) as writer:
        for bits in pages:
            writer.add_bits(bits, len(bits))
    decoded = decoded_bits(out.getvalue())
    assert len(decoded) == 3
    for original, back in zip(pages, decoded, strict=True):
        assert np.array_equal(original, back)


@needs_libtiff
def test_encode_accepts_bytes_and_checks_the_size() -> None:
    bits = text_bits(100)
    assert libtiff.encode_ccitt(bits.tobytes(), FAX_WIDTH, 100, Compression.G4) == (
        libtiff.encode_ccitt(bits, FAX_WIDTH, 100, Compression.G4)
    )
    with pytest.raises(ValueError, match="rows"):
        libtiff.encode_ccitt(bits, FAX_WIDTH, 99, Compression.G4)
    with pytest.raises(ValueError, match="rows"):
        libtiff.encode_ccitt(b"", FAX_WIDTH, 0, Compression.G4)


@needs_libtiff
def test_encoding_from_several_threads_at_once() -> None:
    pages = [text_bits(200 + 40 * n) for n in range(4)] + [
        noise_bits(150, seed=n) for n in range(4)
    ]
    expected = [libtiff.encode_ccitt(bits, FAX_WIDTH, len(bits), Compression.G4) for bits in pages]
    results: dict[int, list[bytes]] = {}

    def work(worker: int) -> None:
        results[worker] = [
            libtiff.encode_ccitt(bits, FAX_WIDTH, len(bits), Compression.G4)
            for _ in range(5)
            for bits in pages
        ]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected * 5 for result in results.values())
    assert libtiff._sinks == {}  # every page's sink was released


# --- the Pillow fallback --------------------------------------------------------------------


def test_missing_libtiff_is_logged_once_and_pillow_encodes(without_libtiff, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="faxes.documents.libtiff"):
        assert libtiff.library() is None
        assert libtiff.library() is None
    warnings = [r for r in caplog.records if "libtiff could not be loaded" in r.getMessage()]
    assert len(warnings) == 1
    assert "Pillow" in warnings[0].getMessage()
    with pytest.raises(libtiff.LibTiffError):
        libtiff.encode_ccitt(text_bits(10), FAX_WIDTH, 10, Compression.G4)
    page = tiffwriter.encode_bits(text_bits(), 600)
    assert page.strip
    assert np.array_equal(decoded_bits(_one_page_tiff(page))[0], text_bits())


def test_a_page_libtiff_refuses_is_encoded_by_pillow(monkeypatch, caplog) -> None:
    def refuse(*args, **kwargs):
        raise libtiff.LibTiffError("TIFFWriteEncodedStrip failed")

    monkeypatch.setattr(libtiff, "available", lambda: True)
    monkeypatch.setattr(libtiff, "encode_ccitt", refuse)
    with caplog.at_level(logging.ERROR, logger="faxes.documents.tiffwriter"):
        page = tiffwriter.encode_bits(text_bits(), 600)
    assert "using Pillow" in caplog.text
    assert np.array_equal(decoded_bits(_one_page_tiff(page))[0], text_bits())


def _one_page_tiff(page: tiffwriter.EncodedPage) -> bytes:
    out = io.BytesIO()
    with tiffwriter.FaxTiffWriter(out, total_pages=1) as writer:
        writer.add_encoded(page)
    return out.getvalue()


@needs_libtiff
@pytest.mark.parametrize(
    ("resolution", "compression"),
    [
        (Resolution.FINE, Compression.G4),
        (Resolution.STANDARD, Compression.G4),
        (Resolution.FINE, Compression.G3),
    ],
)
def test_either_encoder_writes_the_same_file(
    letter_pdf: bytes, monkeypatch, resolution, compression
) -> None:
    options = RenderOptions(resolution=resolution, compression=compression, header=HEADER)
    fast = io.BytesIO()
    render_fax_tiff(letter_pdf, fast, options)
    monkeypatch.setattr(libtiff, "available", lambda: False)
    fallback = io.BytesIO()
    render_fax_tiff(letter_pdf, fallback, options)
    assert fast.getvalue() == fallback.getvalue()
    assert len(tiff_tags(fast.getvalue())) == 3


# --- numpy tone and geometry helpers --------------------------------------------------------


def test_bits_threshold_like_the_text_cut_off() -> None:
    gray = np.tile(np.arange(256, dtype=np.uint8), (4, FAX_WIDTH // 256 + 1))[:, :FAX_WIDTH]
    image = raster.bits_to_image(raster.bilevel_bits(gray))
    assert image.mode == "1"
    assert image.size == (FAX_WIDTH, 4)
    expected = Image.fromarray(gray).point(
        [0 if v < raster.TEXT_THRESHOLD else 255 for v in range(256)], "1"
    )
    assert image.tobytes() == expected.tobytes()


def test_photo_boxes_are_dithered_and_text_boxes_are_not() -> None:
    gray = np.full((200, FAX_WIDTH), 255, np.uint8)
    gray[:, :400] = 128  # mid-grey "photo"
    gray[:, 600:1000] = np.where(np.arange(400) % 8 < 4, 0, 255)  # crisp "text" strokes
    bits = raster.bilevel_bits(gray, [(0, 0, 400, 200), (600, 0, 1000, 200)])
    ink = np.unpackbits(bits, axis=1)
    assert 0.35 < ink[:, :400].mean() < 0.65  # dithered to about half ink
    assert np.array_equal(ink[:, 600:1000], (gray[:, 600:1000] < 160).astype(np.uint8))
    assert not ink[:, 1100:].any()


@pytest.mark.parametrize("rows", [1, 6, 7])
def test_halving_rows_keeps_the_darker_row_and_an_odd_last_row(rows: int) -> None:
    gray = np.full((rows, 8), 255, np.uint8)
    gray[rows - 1, 3] = 0
    halved = raster.halve_rows_array(gray)
    assert halved.shape == ((rows + 1) // 2, 8)
    assert halved[-1, 3] == 0
    assert np.count_nonzero(halved == 0) == 1


def test_render_gray_draws_into_the_given_array() -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(factories.text_pdf(1))
    try:
        page = document[0]
        placement = raster.place(*page.get_size())
        out = np.zeros((10 + placement.height, FAX_WIDTH), np.uint8)
        image = raster.render_gray(page, placement, top=10, out=out)
        assert image.size == (FAX_WIDTH, out.shape[0])
        assert (out[:10] == 255).all()  # the blank band above the page
        assert (out < 128).any()  # the text, drawn into our array
        assert np.asarray(image).tobytes() == out.tobytes()
        with pytest.raises(ValueError):
            raster.render_gray(page, placement, out=out)  # wrong height for top=0
        page.close()
    finally:
        document.close()


# --- memory ---------------------------------------------------------------------------------


def test_python_memory_does_not_grow_with_the_page_count() -> None:
    """numpy's buffers are traced by tracemalloc: a few pages in flight, never the document."""

    def peak(pages: int) -> int:
        pdf = factories.text_pdf(pages)
        tracemalloc.start()
        try:
            render_fax_tiff(pdf, io.BytesIO(), RenderOptions(header=HEADER))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    short, long = peak(3), peak(24)
    assert long < 1.5 * short


def test_iter_fax_pages_yields_independent_images(letter_pdf: bytes) -> None:
    pages = list(iter_fax_pages(letter_pdf, header=HEADER))
    assert len(pages) == 3
    assert all(page.mode == "1" and page.width == FAX_WIDTH for page in pages)
    assert pages[0].tobytes() != pages[1].tobytes()  # "Page 1/3" vs "Page 2/3"
