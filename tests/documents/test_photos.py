"""Photographs: the halftone screen keeps grey levels, codes compactly and stays off text."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from faxes.documents import (
    FAX_WIDTH,
    Resolution,
    accept_document,
    combine_documents,
    encoded_page_sizes,
    raster,
)
from faxes.documents.pdfium_util import PDFIUM_LOCK, open_pdf
from faxes.modem.linetime import call_seconds

from . import factories
from .test_render import HEADER


@pytest.mark.parametrize("level", range(0, 256, 15))
def test_the_screen_keeps_each_grey_level(level: int) -> None:
    region = np.full((200, 300), level, np.uint8)
    ink = raster.halftone(region).mean()
    # The ink share follows the grey level, a little lighter in the midtones for the dots
    # that fax printers spread (at most 2.5 %, plus the screen's 1/20 steps).
    assert ink == pytest.approx(1 - level / 255, abs=0.06)
    assert ink <= 1 - level / 255 + 0.026


def test_the_screen_darkens_steadily() -> None:
    shares = [raster.halftone(np.full((40, 100), level, np.uint8)).mean() for level in range(256)]
    assert all(a >= b for a, b in itertools.pairwise(shares))
    assert shares[0] == 1.0
    assert shares[250] == 0.0  # near-white paper gets no dots


@pytest.mark.parametrize("level", [40, 128, 200])
def test_flat_grey_is_lines_whose_rows_repeat(level: int) -> None:
    ink = raster.halftone(np.full((40, 100), level, np.uint8))
    # The pattern repeats every LINE_ROWS rows and every DASH_DOTS dots, and at most one row
    # of each line is dashed: the coder sends such rows for almost nothing.
    assert (ink[: -raster.LINE_ROWS] == ink[raster.LINE_ROWS :]).all()
    assert (ink[:, : -raster.DASH_DOTS] == ink[:, raster.DASH_DOTS :]).all()
    dashed = [row for row in ink[: raster.LINE_ROWS] if row.any() and not row.all()]
    assert len(dashed) <= 1


def test_the_screen_is_anchored_to_the_page() -> None:
    page = np.full((80, 120), 100, np.uint8)
    whole = raster.halftone(page)
    assert (raster.halftone(page[13:61, 7:99], 13, 7) == whole[13:61, 7:99]).all()


def test_a_full_page_photo_transmits_in_under_three_minutes() -> None:
    photo = factories.phone_photo_jpeg((3000, 4000))
    pdf = combine_documents([accept_document(photo, filename="photo.jpg")]).pdf
    sizes = encoded_page_sizes(pdf, resolution=Resolution.FINE, header=HEADER)
    assert sizes[0] <= 250_000
    assert call_seconds(sizes) <= 180  # at 14,400 bit/s with ECM (faxes/modem/linetime.py)


def test_text_drawn_as_an_image_keeps_the_threshold_path() -> None:
    # A scanned letter (dark text on white, hardly any midtones) inside an image box is not
    # screened: it comes out exactly as thresholding makes it.
    scan = np.asarray(factories.text_image((FAX_WIDTH, 1100), mode="L"))
    box = (0, 0, FAX_WIDTH, scan.shape[0])
    assert (raster.bilevel_bits(scan.copy(), [box]) == raster.bilevel_bits(scan.copy())).all()


def test_only_midtone_images_are_screened() -> None:
    gradient = np.tile(np.linspace(0, 255, FAX_WIDTH).astype(np.uint8), (64, 1))
    box = (0, 0, FAX_WIDTH, 64)
    assert (
        raster.bilevel_bits(gradient.copy(), [box]) != raster.bilevel_bits(gradient.copy())
    ).any()


def _image_boxes(pdf: bytes) -> list[raster.Box]:
    with open_pdf(pdf) as document, PDFIUM_LOCK:
        page = document[0]
        try:
            return raster.image_boxes(page, raster.place(*page.get_size()))
        finally:
            page.close()


def test_a_bilevel_image_is_line_art_not_a_photo() -> None:
    # A 1-bit fax or scan is thresholded dot for dot, even though pdfium's scaled render of
    # it has grey edges; a grey image of the same page is a candidate for the screen.
    bilevel = combine_documents([accept_document(factories.multipage_tiff(1))]).pdf
    grey = combine_documents([accept_document(factories.image_bytes("PNG"))]).pdf
    assert _image_boxes(bilevel) == []
    assert len(_image_boxes(grey)) == 1
