"""Assertions helpers for rendered fax pages."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator

from PIL import Image

from faxes.documents.faxspec import PaperSize
from faxes.documents.header import BAND_ROWS_FINE
from faxes.documents.raster import place

Box = tuple[int, int, int, int]


def ink(image: Image.Image, box: Box | None = None) -> float:
    """Share of black pixels in ``box`` of a 1-bit (or grey) image."""
    region = image.crop(box) if box else image
    gray = region.convert("L")
    histogram = gray.histogram()
    total = gray.width * gray.height
    return sum(histogram[:128]) / total if total else 0.0


def ink_bbox(image: Image.Image) -> Box:
    """Bounding box of the black pixels."""
    bbox = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert bbox is not None, "blank page"
    return bbox


def tiff_pages(data: bytes) -> Iterator[Image.Image]:
    with Image.open(io.BytesIO(data)) as image:
        for index in range(image.n_frames):
            image.seek(index)
            image.load()
            yield image.copy()


def tiff_tags(data: bytes) -> list[dict[int, object]]:
    tags = []
    with Image.open(io.BytesIO(data)) as image:
        for index in range(image.n_frames):
            image.seek(index)
            tags.append(dict(image.tag_v2))
    return tags


def fine_box(
    x0_pt: float,
    y0_pt: float,
    x1_pt: float,
    y1_pt: float,
    page_size: tuple[float, float],
    *,
    band: int = BAND_ROWS_FINE,
    lpi: int = 196,
    paper: PaperSize = PaperSize.LETTER,
) -> Box:
    """Map a rectangle in PDF points (bottom-left origin) of a portrait page to the pixel box
    it occupies on the rendered fax page (laid out for ``paper``, below ``band`` rows of
    header line: scaled to fill the line unless that makes it taller than the paper)."""
    width, height = page_size
    placement = place(width, height, band_rows=band, paper=paper)
    sx = placement.width / width
    sy = placement.height / height * lpi / 196
    band = band * lpi // 196
    return (
        placement.x + int(x0_pt * sx),
        band + int((height - y1_pt) * sy),
        placement.x + int(x1_pt * sx) + 1,
        band + int((height - y0_pt) * sy) + 1,
    )


def tiffinfo(path: str) -> subprocess.CompletedProcess[str] | None:
    """libtiff's own reading of a file, when tiffinfo is installed."""
    if shutil.which("tiffinfo") is None:
        return None
    return subprocess.run(["tiffinfo", path], capture_output=True, text=True, check=False)
