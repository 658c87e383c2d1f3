"""Fax test documents and page comparison for the modem tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageSequence

from faxes.modem import modem_available

# Module-level marker for tests that need the real library; CI has it.
requires_spandsp = pytest.mark.skipif(
    not modem_available(), reason="libspandsp 0.0.6 is not installed/loadable"
)

WIDTH = 1728  # T.4 A4/Letter scan line at R8 (204 dpi)
# Page lengths in scan lines: A4 is 297 mm, US Letter 11 in.
LENGTHS = {
    ("a4", "fine"): 2292,
    ("a4", "standard"): 1146,
    ("letter", "fine"): 2156,
    ("letter", "standard"): 1078,
}
Y_DPI = {"fine": 196, "standard": 98}


def _page(number: int, length: int, lines: int) -> Image.Image:
    img = Image.new("1", (WIDTH, length), 1)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=32)
    draw.rectangle((40, 40, WIDTH - 40, length - 40), outline=0, width=3)
    draw.text((100, 70), f"Page {number}", font=font, fill=0)
    step = max((length - 200) // max(lines, 1), 36)
    for row in range(lines):
        y = 140 + row * step
        if y > length - 80:
            break
        text = f"{number}.{row:02d} The quick brown fox jumps over the lazy dog 0123456789"
        draw.text((100, y), text, font=font, fill=0)
    return img


def make_fax_tiff(
    path: Path,
    *,
    pages: int = 3,
    size: str = "a4",
    resolution: str = "fine",
    lines: int = 12,
    compression: str = "group4",
) -> Path:
    """Write a multi-page bilevel TIFF with text, as a fax portal would."""
    length = LENGTHS[(size, resolution)]
    images = [_page(n + 1, length, lines) for n in range(pages)]
    images[0].save(
        path,
        compression=compression,
        dpi=(204, Y_DPI[resolution]),
        save_all=True,
        append_images=images[1:],
    )
    return path


def load_pages(path: Path) -> list[Image.Image]:
    with Image.open(path) as img:
        return [frame.convert("1").copy() for frame in ImageSequence.Iterator(img)]


def differing_pages(sent: Path, received: Path) -> list[int]:
    """Indexes of pages that are not pixel-identical (or missing/extra)."""
    a, b = load_pages(sent), load_pages(received)
    bad = [i for i in range(min(len(a), len(b))) if a[i].size != b[i].size]
    bad += [
        i
        for i in range(min(len(a), len(b)))
        if a[i].size == b[i].size and ImageChops.difference(a[i], b[i]).getbbox() is not None
    ]
    bad += list(range(min(len(a), len(b)), max(len(a), len(b))))
    return sorted(bad)


def assert_pixel_identical(sent: Path, received: Path | None) -> None:
    assert received is not None
    assert len(load_pages(received)) == len(load_pages(sent))
    assert differing_pages(sent, received) == []
