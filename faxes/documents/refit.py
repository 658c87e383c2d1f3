"""A fax TIFF refitted to a smaller paper: what a sender transmits when the far end's machine
takes less than the document was laid out for (no 255 mm line for B4, no page longer than
A4 for Legal). Each page is scaled down, aspect kept, and centred on the 215 mm line."""

from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageSequence

from .faxspec import FAX_WIDTH, PaperSize, Resolution
from .raster import TEXT_THRESHOLD
from .tiffwriter import FaxTiffWriter, PathOrFile


def _resolution(frame: Image.Image) -> Resolution:
    dpi = frame.info.get("dpi") or (204, 196)
    return Resolution.STANDARD if float(dpi[1]) < 147 else Resolution.FINE


def refit_fax_tiff(
    source: str | os.PathLike[str], out: PathOrFile, paper: PaperSize = PaperSize.A4
) -> int:
    """Write ``source``'s pages to ``out`` fitted to ``paper`` (1728 dots across, at most its
    length at each page's own resolution); returns the page count. Pages that already fit
    are copied unchanged."""
    with Image.open(source) as image:
        frames = getattr(image, "n_frames", 1)
        with FaxTiffWriter(out, total_pages=frames) as writer:
            for frame in ImageSequence.Iterator(image):
                resolution = _resolution(frame)
                page = frame.convert("1")
                width, rows = paper.width_dots, paper.rows(resolution)
                scale = min(width / page.width, rows / page.height, 1.0)
                if scale < 1.0 or page.width != FAX_WIDTH:
                    size = (max(1, int(page.width * scale)), max(1, int(page.height * scale)))
                    gray = page.convert("L").resize(size, Image.Resampling.BOX)
                    # Darker than mid-grey is ink: thin strokes stay whole when scaled down.
                    ink = np.asarray(gray) < TEXT_THRESHOLD
                    canvas = Image.new("1", (width, size[1]), 1)
                    canvas.paste(Image.fromarray(~ink), ((width - size[0]) // 2, 0))
                    page = canvas
                writer.add_page(page, resolution=resolution)
    return frames
