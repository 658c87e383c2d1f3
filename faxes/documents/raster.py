"""Rasterize one PDF page into a 1-bit fax page (1728 dots wide, fine or standard lines).

Geometry: the page is scaled so its width fills the 1728-dot line (A4 and Letter both fit,
nothing is clipped); its height follows at 196 lpi, below the header band. Landscape pages
are *rotated* 90 degrees counter-clockwise rather than shrunk: shrinking an 11 in wide page
to 8.5 in makes small print unreadable at fax resolution, rotation keeps it full size.
Pages longer than US Legal are scaled down (and centred) to that length.

Tone: text and vector art are rendered anti-aliased and thresholded above mid-grey, so the
soft edges of thin strokes turn black and small text stays whole (slightly bold) rather than
breaking up. Dithering that would make text fuzzy is used only inside the areas where the
page draws photographic images (error diffusion is right for photos, wrong for text).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops

from .faxspec import FAX_WIDTH, MAX_PAGE_LENGTH_IN, X_DPI, Resolution

_FINE_LPI = Resolution.FINE.lines_per_inch
Box = tuple[int, int, int, int]  # left, upper, right, lower in bitmap dots
ROTATE_CCW = 3  # pdfium's "rotated 90 degrees counter-clockwise"

# Annotations (stamps, filled-in form fields) are part of what the sender sees, so they are
# drawn. FPDF_PRINTING is not used: it makes pdfium's rendering about 50% slower for no
# visible difference on ordinary documents.
_RENDER_FLAGS = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_GRAYSCALE

# Grey levels below this are ink. Above mid-grey on purpose: anti-aliased stroke edges and
# light-grey or coloured text come out black instead of thin or missing.
TEXT_THRESHOLD = 160
_TEXT_LUT = [0 if value < TEXT_THRESHOLD else 255 for value in range(256)]
# Photos: stretch contrast before error diffusion (near-black and near-white become solid,
# which keeps dots out of backgrounds and away from text drawn over images).
_PHOTO_LUT = [min(255, max(0, round((value - 40) * 255 / 175))) for value in range(256)]
_MIDTONES = slice(48, 208)
_PHOTO_MIDTONE_SHARE = 0.25


@dataclass(frozen=True)
class Placement:
    """Where the page content goes on the fax page, in fine-resolution dots."""

    rotate: int  # pdfium rotation constant: 0, or ROTATE_CCW for landscape pages
    x: int
    width: int
    height: int


def place(width_pt: float, height_pt: float, *, band_rows: int = 0) -> Placement:
    """Placement for a page of the given displayed size (points, after /Rotate)."""
    rotate = 0
    if width_pt > height_pt:
        width_pt, height_pt = height_pt, width_pt
        rotate = ROTATE_CCW
    dots_per_pt = FAX_WIDTH / width_pt
    rows = height_pt * dots_per_pt * _FINE_LPI / X_DPI
    max_rows = MAX_PAGE_LENGTH_IN * _FINE_LPI - band_rows
    width = FAX_WIDTH
    if rows > max_rows:
        width = max(1, round(FAX_WIDTH * max_rows / rows))
        rows = max_rows
    return Placement(rotate, (FAX_WIDTH - width) // 2, width, max(1, round(rows)))


def render_gray(
    page: pdfium.PdfPage, placement: Placement, *, top: int = 0, canvas_width: int = FAX_WIDTH
) -> Image.Image:
    """Greyscale render of ``page`` into a ``canvas_width``-wide canvas, ``top`` white rows
    first. Call with PDFIUM_LOCK held."""
    height = top + placement.height
    bitmap = pdfium.PdfBitmap.new_native(canvas_width, height, pdfium_c.FPDFBitmap_Gray)
    try:
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, canvas_width, height)
        args = (placement.x, top, placement.width, placement.height, placement.rotate)
        pdfium_c.FPDF_RenderPageBitmap(bitmap, page, *args, _RENDER_FLAGS)
        if page.formenv:
            pdfium_c.FPDF_FFLDraw(page.formenv, bitmap, page, *args, _RENDER_FLAGS)
        # to_pil() shares pdfium's buffer, which close() frees: take a copy first.
        return bitmap.to_pil().copy()
    finally:
        bitmap.close()


def _contains_image(form: ctypes.c_void_p, depth: int = 0) -> bool:
    if depth > 4:
        return False
    for i in range(pdfium_c.FPDFFormObj_CountObjects(form)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_SHADING):
            return True
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and _contains_image(obj, depth + 1):
            return True
    return False


def image_boxes(page: pdfium.PdfPage, placement: Placement, *, top: int = 0) -> list[Box]:
    """Bitmap boxes (left, upper, right, lower) of the images and shadings the page draws
    (a form XObject containing any counts as a whole). Call with PDFIUM_LOCK held."""
    boxes = []
    height = top + placement.height
    args = (placement.x, top, placement.width, placement.height, placement.rotate)
    left, bottom, right, upper = (ctypes.c_float() for _ in range(4))
    dx, dy = ctypes.c_int(), ctypes.c_int()
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            if not _contains_image(obj):
                continue
        elif kind not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_SHADING):
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, upper):
            continue
        xs, ys = [], []
        for px, py in ((left, bottom), (right, upper)):
            pdfium_c.FPDF_PageToDevice(page, *args, px.value, py.value, dx, dy)
            xs.append(dx.value)
            ys.append(dy.value)
        box = (
            max(0, min(xs)),
            max(top, min(ys)),
            min(FAX_WIDTH, max(xs) + 1),
            min(height, max(ys) + 1),
        )
        if box[2] > box[0] and box[3] > box[1]:
            boxes.append(box)
    return boxes


def to_bilevel(gray: Image.Image, photo_boxes: Sequence[Box] = ()) -> Image.Image:
    """Threshold ``gray`` to 1 bit; error-diffuse the boxes that hold photographic content."""
    page = gray.point(_TEXT_LUT, "1")
    for box in photo_boxes:
        region = gray.crop(box)
        histogram = region.histogram()
        if sum(histogram[_MIDTONES]) > _PHOTO_MIDTONE_SHARE * region.width * region.height:
            page.paste(region.point(_PHOTO_LUT).convert("1"), box[:2])
    return page


def halve_rows(gray: Image.Image) -> Image.Image:
    """Fine (196 lpi) to standard (98 lpi): each output row is the darker of two input rows,
    so one-dot horizontal strokes (the bar of an "e", table rules) survive instead of
    averaging away to grey."""
    if gray.height % 2:
        padded = Image.new("L", (gray.width, gray.height + 1), 255)
        padded.paste(gray, (0, 0))
        gray = padded
    size = (gray.width, gray.height // 2)
    odd = gray.resize(size, Image.Resampling.NEAREST)  # nearest picks rows 1, 3, 5, ...
    flipped = gray.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    even = flipped.resize(size, Image.Resampling.NEAREST).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )  # ... and, mirrored, rows 0, 2, 4, ...
    return ImageChops.darker(odd, even)
