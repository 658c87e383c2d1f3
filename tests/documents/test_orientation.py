"""Pages come out the right way up and the right shape (issue 15, point 6).

A landscape page is turned to portrait only when that prints it larger; pictures are turned
by their EXIF orientation; each page of a multi-page TIFF keeps its own aspect ratio whatever
its resolution.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, TiffImagePlugin

from faxes.documents import FAX_WIDTH, accept_document, combine_documents, raster

from . import factories
from .helpers import ink, ink_bbox, tiff_pages
from .test_render import render

FINE_LPI = 196


def framed_pdf(width_pt: float, height_pt: float) -> bytes:
    """A page whose content is a frame along its edges and a mark at its top-left corner."""
    frame = Image.new("L", (round(width_pt), round(height_pt)), 255)
    draw = ImageDraw.Draw(frame)
    draw.rectangle((0, 0, frame.width - 1, frame.height - 1), outline=0, width=6)
    draw.rectangle((0, 0, frame.width // 5, frame.height // 5), fill=0)
    placed = factories.PlacedImage(frame, (0, 0, width_pt, height_pt))
    return factories.build_pdf([factories.PageSpec(width_pt, height_pt, images=(placed,))])


# --- landscape pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "turned"),
    [
        (factories.LETTER_LANDSCAPE, True),  # 11 x 8.5 in: 1.29 times larger turned
        (factories.A4_LANDSCAPE, True),
        ((792.0, 300.0), True),  # a wide, short page (a banner, a receipt strip)
        ((620.0, 600.0), False),  # nearly square: turning gains 3 %
        ((700.0, 660.0), False),  # 6 %
        (factories.LETTER, False),
    ],
)
def test_a_landscape_page_is_turned_only_when_that_prints_it_larger(size, turned) -> None:
    placement = raster.place(*size)
    assert (placement.rotate == raster.ROTATE_CCW) is turned
    width, height = size
    if turned:
        # Dots per point turned, against the most it could have as drawn (the full line).
        assert placement.width / height >= raster.ROTATION_GAIN * FAX_WIDTH / width
    else:
        assert placement.width == FAX_WIDTH


def test_a_nearly_square_landscape_page_prints_as_drawn(tmp_path) -> None:
    page = next(tiff_pages(render(framed_pdf(700, 660), tmp_path)))
    left, upper, right, lower = ink_bbox(page)
    assert right - left == pytest.approx(FAX_WIDTH, abs=2)  # full width, not turned
    assert (right - left) / 204 / ((lower - upper) / FINE_LPI) == pytest.approx(700 / 660, rel=0.01)
    # The mark is still at the top left: the page was not turned.
    assert ink(page, (left + 20, upper + 20, left + 200, upper + 200)) > 0.9
    assert ink(page, (right - 200, lower - 200, right - 20, lower - 20)) < 0.1


def test_a_wide_short_page_is_turned_and_keeps_its_shape(tmp_path) -> None:
    page = next(tiff_pages(render(framed_pdf(792, 300), tmp_path)))
    left, upper, right, lower = ink_bbox(page)
    assert lower - upper > right - left  # turned to run down the paper
    assert (lower - upper) / FINE_LPI / ((right - left) / 204) == pytest.approx(792 / 300, rel=0.02)
    assert lower - upper == pytest.approx(11 * FINE_LPI, abs=2)  # as long as the paper allows
    # Counter-clockwise: the top-left mark is now at the bottom left.
    assert ink(page, (left + 10, lower - 100, left + 60, lower - 10)) > 0.9
    assert ink(page, (right - 150, upper + 30, right - 60, upper + 120)) < 0.1


# --- EXIF orientation -----------------------------------------------------------------------

# What a camera stores for each orientation, given the upright picture: the inverse of the
# turn EXIF tells a viewer to make.
_STORED = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,  # viewer turns 90 degrees clockwise
    8: Image.Transpose.ROTATE_270,  # viewer turns 90 degrees counter-clockwise
}


def upright_picture() -> Image.Image:
    """Portrait, 600 x 800: a dark block at the top left, a bar along the bottom."""
    picture = Image.new("RGB", (600, 800), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 199, 199), fill=(0, 0, 0))
    draw.rectangle((0, 740, 599, 799), fill=(0, 0, 0))
    return picture


@pytest.mark.parametrize("orientation", sorted(_STORED))
def test_a_jpeg_is_turned_by_its_exif_orientation(orientation: int, tmp_path) -> None:
    stored = upright_picture().transpose(_STORED[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=exif, quality=95)
    pdf = combine_documents([accept_document(out.getvalue(), filename="photo.jpg")]).pdf
    page = next(tiff_pages(render(pdf, tmp_path)))
    left, upper, right, lower = ink_bbox(page)
    width, height = right - left, lower - upper
    # Upright and portrait, with its own shape (600 x 800), full length.
    assert (width / 204) / (height / FINE_LPI) == pytest.approx(600 / 800, rel=0.02)
    bits = np.asarray(page.convert("L")) < 128

    def share(x0: float, y0: float, x1: float, y1: float) -> float:
        """Ink share in a box given as fractions of the picture."""
        box = bits[
            upper + round(y0 * height) : upper + round(y1 * height),
            left + round(x0 * width) : left + round(x1 * width),
        ]
        return float(box.mean())

    assert share(0.02, 0.02, 0.3, 0.22) > 0.9  # the block: top left
    assert share(0.7, 0.02, 0.98, 0.22) < 0.05  # nothing at the top right
    assert share(0.1, 0.94, 0.9, 0.99) > 0.9  # the bar: along the bottom
    assert share(0.1, 0.4, 0.9, 0.6) < 0.05


# --- multi-page TIFFs with mixed resolutions ------------------------------------------------


def framed_frame(size: tuple[int, int]) -> Image.Image:
    frame = Image.new("1", size, 1)
    ImageDraw.Draw(frame).rectangle((0, 0, size[0] - 1, size[1] - 1), outline=0, width=8)
    return frame


MIXED_PAGES = [
    ((1728, 1100), (204, 98)),  # a standard-resolution fax page: 8.47 x 11.2 in
    ((1728, 1800), (204, 196)),  # a fine one, shorter: 8.47 x 9.2 in
    ((1500, 2400), (300, 300)),  # a 300 dpi scan: 5 x 8 in
]


def mixed_resolution_tiff() -> bytes:
    out = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(out) as writer:
        for size, dpi in MIXED_PAGES:
            framed_frame(size).save(writer, "TIFF", compression="group4", dpi=dpi)
            writer.newFrame()
    return out.getvalue()


def test_each_page_of_a_mixed_resolution_tiff_keeps_its_aspect_ratio(tmp_path) -> None:
    data = mixed_resolution_tiff()
    with Image.open(io.BytesIO(data)) as tiff:
        resolutions = []
        for index in range(tiff.n_frames):
            tiff.seek(index)
            resolutions.append(tuple(round(float(v)) for v in tiff.info["dpi"]))
    assert resolutions == [dpi for _, dpi in MIXED_PAGES]  # the file really mixes them
    pdf = combine_documents([accept_document(data)]).pdf
    pages = list(tiff_pages(render(pdf, tmp_path)))
    assert len(pages) == len(MIXED_PAGES)
    for page, ((width, height), (x_dpi, y_dpi)) in zip(pages, MIXED_PAGES, strict=True):
        left, upper, right, lower = ink_bbox(page)
        shape = ((right - left) / 204) / ((lower - upper) / FINE_LPI)
        assert shape == pytest.approx((width / x_dpi) / (height / y_dpi), rel=0.015)
        assert lower - upper > right - left * 0.5  # none of them turned or squashed
