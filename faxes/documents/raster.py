"""Rasterize one PDF page into a 1-bit fax page (1728 dots wide, fine or standard lines).

Geometry: the page is laid out for a paper (:class:`~.faxspec.PaperSize`: Letter, A4, Legal,
B4). It is scaled so its width fills the paper's scan line (1728 dots; 2048 for B4), its
height following at 196 lpi below the header band, unless that makes it, header line
included, taller than the paper, or than the standard paper its own shape is (an A4 page
filling the 215 mm line would be 12 in long): then it is scaled down, and centred, until it
fits. No page is ever taller than its paper. Landscape pages are *rotated* 90 degrees
counter-clockwise rather than shrunk when that makes them larger on the paper: shrinking an
11 in wide page to 8.5 in makes small print unreadable at fax resolution, rotation keeps it
full size. A nearly square page, which rotation would enlarge by less than ROTATION_GAIN,
stays the way up it was drawn.

Tone: text and vector art are rendered anti-aliased and thresholded above mid-grey, so the
soft edges of thin strokes turn black and small text stays whole (slightly bold) rather than
breaking up. Halftoning that would make text fuzzy is used only inside the areas where the
page draws photographic images. Photos get a line screen (4 fine rows a line, 49 lines per
inch, dashed in the highlights), smoothed first and given a tone curve for the dots fax
printers spread (see halftone()), not error diffusion: diffusion scatters single dots that
T.4/T.6 coding cannot compress, so a full-page phone photo became 1.3 MB of line data (13
minutes at 14,400 bit/s); 45-degree round dots made it 322 kB (3.6 minutes); the line screen
makes it 215 kB (2.5 minutes), and closer to the grey original than either (bench/render.py).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageFilter

from .faxspec import FAX_WIDTH, X_DPI, PaperSize, Resolution

_FINE_LPI = Resolution.FINE.lines_per_inch
Box = tuple[int, int, int, int]  # left, upper, right, lower in bitmap dots
ROTATE_CCW = 3  # pdfium's "rotated 90 degrees counter-clockwise"

# Annotations (stamps, filled-in form fields) are part of what the sender sees, so they are
# drawn. FPDF_PRINTING is not used: it makes pdfium's rendering about 50% slower for no
# visible difference on ordinary documents.
_RENDER_FLAGS = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_GRAYSCALE
_WHITE = 0xFFFFFFFF  # ARGB; a greyscale bitmap takes its luminance

# Grey levels below this are ink. Above mid-grey on purpose: anti-aliased stroke edges and
# light-grey or coloured text come out black instead of thin or missing.
TEXT_THRESHOLD = 160
# An image box is screened as a photo when this share of it is midtones (no flat art).
_MIDTONES = slice(48, 208)
_PHOTO_MIDTONE_SHARE = 0.25
# Photos: a line screen that breaks into dashes in the highlights (see halftone()). Each
# screen line is LINE_ROWS fine rows high; its DASH_DOTS-dot cells hold the grey levels in
# between (4 rows x 5 dots: 20 levels plus paper, 49 lines per inch at 196 lpi). Measured on a
# full-page photo (bench/render.py): 45-degree round dots (36 lpi, the classic 8 x 8 matrix)
# were 322 kB of T.6 data; 4 x 5 lines are 215 kB, and after blurring to 100 dpi they are
# closer to the grey original than either the round dots or Ghostscript's screen.
LINE_ROWS = 4
DASH_DOTS = 5
# Sensor noise makes ragged line edges that code badly (and that no screen can print):
# photos are smoothed by a Gaussian of this radius (dots) before screening.
PHOTO_SMOOTHING = 1.5
# Fax printers (thermal heads, laser toner) spread each printed dot: a printed ink share c
# comes out about c + k * c * (1 - c). The tone curve inverts that, lightening midtones by
# up to 2.5 % (k = 0.1), and keeps near-white paper white (no dots in backgrounds).
DOT_GAIN = 0.1
_PAPER_WHITE = 246


def _photo_tone_table() -> np.ndarray:
    ink = 1 - np.arange(256) / 255
    wanted = ((1 + DOT_GAIN) - np.sqrt((1 + DOT_GAIN) ** 2 - 4 * DOT_GAIN * ink)) / (2 * DOT_GAIN)
    table = np.round(255 * (1 - wanted))
    table[_PAPER_WHITE:] = 255
    return table.astype(np.uint8)


def _line_screen() -> np.ndarray:
    """Thresholds of one LINE_ROWS x DASH_DOTS cell: a line grows from its middle rows
    outwards, each row filling left to right, so a grey level is a line of some thickness
    whose outermost row is dashed; a dot is ink where its tone is below the threshold."""
    middle = (LINE_ROWS - 1) / 2
    growth = sorted(range(LINE_ROWS), key=lambda row: (abs(row - middle), row))
    rank = np.empty(LINE_ROWS)
    rank[growth] = np.arange(LINE_ROWS)
    dashes = (np.arange(DASH_DOTS) + 0.5) / DASH_DOTS
    return np.round((rank[:, None] + dashes[None, :]) * 256 / LINE_ROWS).astype(np.uint16)


_PHOTO_TONE = _photo_tone_table()
_SCREEN = _line_screen()


def halftone(region: np.ndarray, top: int = 0, left: int = 0) -> np.ndarray:
    """Ink (True) for a greyscale photo region whose top-left dot is at (``top``, ``left``)
    of the page: smoothed, given the printers' tone curve, then screened. The screen is
    anchored to the page, so neighbouring images share it.

    Why a horizontal line screen: T.4/T.6 code each row against the one above, and the
    rows of a line (or of the paper between lines) repeat each other, while the edges of
    round or 45-degree dots move on every row and cost bits there; error diffusion's
    scattered single dots cost most of all. Text and line art never come here (see
    bilevel_bits)."""
    rows, cols = region.shape
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), np.bool_)
    smooth = Image.fromarray(np.ascontiguousarray(region)).filter(
        ImageFilter.GaussianBlur(PHOTO_SMOOTHING)
    )
    tone = _PHOTO_TONE[np.asarray(smooth)]
    tiles = np.roll(_SCREEN, (-(top % LINE_ROWS), -(left % DASH_DOTS)), axis=(0, 1))
    screen = np.tile(tiles, (-(-rows // LINE_ROWS), -(-cols // DASH_DOTS)))[:rows, :cols]
    return tone < screen


@dataclass(frozen=True)
class Placement:
    """Where the page content goes on the fax page, in fine-resolution dots."""

    rotate: int  # pdfium rotation constant: 0, or ROTATE_CCW for landscape pages
    x: int
    width: int
    height: int
    canvas: int = FAX_WIDTH  # dots across the scan line (2048 for B4 paper)


def paper_shape(width_pt: float, height_pt: float) -> PaperSize | None:
    """The standard paper a (portrait) page is, if any: its shape within 1.5% and its
    length within 3% (B4 and A4 have one shape; a half-Letter page is no Letter page)."""
    aspect = width_pt / height_pt
    for paper in PaperSize:
        paper_w, paper_h = paper.size_in
        if (
            abs(aspect / (paper_w / paper_h) - 1) <= 0.015
            and abs(height_pt / 72 / paper_h - 1) <= 0.03
        ):
            return paper
    return None


def max_rows(width_pt: float, height_pt: float, paper: PaperSize = PaperSize.LETTER) -> int:
    """The most fine-resolution rows a (portrait) page may come out, header line included:
    its paper's length, or the length of the standard paper its own shape is if shorter
    (a Letter page laid out for Legal stays Letter-long)."""
    own = paper_shape(width_pt, height_pt)
    return min(paper.rows(), own.rows()) if own is not None else paper.rows()


# A landscape page is turned only when that prints it at least this much larger (in
# length and width alike): turning a page whose shape nearly fits either way gains the reader
# nothing and makes them turn the paper.
ROTATION_GAIN = 1.1


def _fit(width_pt: float, height_pt: float, band_rows: int, paper: PaperSize) -> tuple[int, int]:
    """(width in dots, rows) of a page drawn upright on ``paper``, as large as its scan line
    and its length allow."""
    line = paper.width_dots
    dots_per_pt = line / width_pt
    rows = height_pt * dots_per_pt * _FINE_LPI / X_DPI
    room = max(1, max_rows(width_pt, height_pt, paper) - band_rows)
    width = line
    if rows > room:
        width = max(1, int(line * room / rows))
        rows = room
    return width, max(1, min(room, round(rows)))


def place(
    width_pt: float,
    height_pt: float,
    *,
    band_rows: int = 0,
    paper: PaperSize = PaperSize.LETTER,
) -> Placement:
    """Placement for a page of the given displayed size (points, after /Rotate) on
    ``paper``, below ``band_rows`` of header line. A landscape page is turned to portrait
    when that makes it at least ROTATION_GAIN times larger on the paper (an 11 x 8.5 in page:
    1.29 times), otherwise it is drawn as it is."""
    width, rows = _fit(width_pt, height_pt, band_rows, paper)
    rotate = 0
    if width_pt > height_pt:
        turned_width, turned_rows = _fit(height_pt, width_pt, band_rows, paper)
        if turned_width / height_pt >= ROTATION_GAIN * width / width_pt:
            width, rows, rotate = turned_width, turned_rows, ROTATE_CCW
    line = paper.width_dots
    return Placement(rotate, (line - width) // 2, width, rows, line)


def render_gray(
    page: pdfium.PdfPage,
    placement: Placement,
    *,
    top: int = 0,
    canvas_width: int = FAX_WIDTH,
    out: np.ndarray | None = None,
) -> Image.Image:
    """Greyscale render of ``page`` into a ``canvas_width``-wide canvas, ``top`` white rows
    first. pdfium draws straight into a numpy array (``out`` if given: uint8, shape
    ``(top + placement.height, canvas_width)``), which the returned image shares: no copy.
    Call with PDFIUM_LOCK held."""
    height = top + placement.height
    if out is None:
        out = np.empty((height, canvas_width), np.uint8)
    if out.shape != (height, canvas_width) or out.dtype != np.uint8 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a contiguous uint8 array of {(height, canvas_width)}")
    bitmap = pdfium_c.FPDFBitmap_CreateEx(
        canvas_width, height, pdfium_c.FPDFBitmap_Gray, out.ctypes.data, canvas_width
    )
    if not bitmap:
        raise pdfium.PdfiumError("pdfium could not set up a bitmap")
    try:
        pdfium_c.FPDFBitmap_FillRect(bitmap, 0, 0, canvas_width, height, _WHITE)
        args = (placement.x, top, placement.width, placement.height, placement.rotate)
        pdfium_c.FPDF_RenderPageBitmap(bitmap, page, *args, _RENDER_FLAGS)
        if page.formenv:
            pdfium_c.FPDF_FFLDraw(page.formenv, bitmap, page, *args, _RENDER_FLAGS)
    finally:
        pdfium_c.FPDFBitmap_Destroy(bitmap)  # frees pdfium's handle, not our buffer
    return Image.fromarray(out)


def _photographic(obj: ctypes.c_void_p, page: pdfium.PdfPage) -> bool:
    """An image with grey levels, or a shading, may be a photo; a 1-bit image (a fax, a
    bilevel scan of a letter) is line art whose dots are thresholded as they are, never
    screened."""
    kind = pdfium_c.FPDFPageObj_GetType(obj)
    if kind == pdfium_c.FPDF_PAGEOBJ_SHADING:
        return True
    if kind != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return False
    metadata = pdfium_c.FPDF_IMAGEOBJ_METADATA()
    if not pdfium_c.FPDFImageObj_GetImageMetadata(obj, page, ctypes.byref(metadata)):
        return True
    return metadata.bits_per_pixel != 1


def _contains_image(form: ctypes.c_void_p, page: pdfium.PdfPage, depth: int = 0) -> bool:
    if depth > 4:
        return False
    for i in range(pdfium_c.FPDFFormObj_CountObjects(form)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, i)
        if _photographic(obj, page):
            return True
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and _contains_image(obj, page, depth + 1):
            return True
    return False


def image_boxes(page: pdfium.PdfPage, placement: Placement, *, top: int = 0) -> list[Box]:
    """Bitmap boxes (left, upper, right, lower) of the images with grey levels and the
    shadings the page draws (a form XObject containing any counts as a whole); 1-bit images
    are not among them. Call with PDFIUM_LOCK held."""
    boxes = []
    height = top + placement.height
    args = (placement.x, top, placement.width, placement.height, placement.rotate)
    left, bottom, right, upper = (ctypes.c_float() for _ in range(4))
    dx, dy = ctypes.c_int(), ctypes.c_int()
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            if not _contains_image(obj, page):
                continue
        elif not _photographic(obj, page):
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
            min(placement.canvas, max(xs) + 1),
            min(height, max(ys) + 1),
        )
        if box[2] > box[0] and box[3] > box[1]:
            boxes.append(box)
    return boxes


def bilevel_bits(
    gray: np.ndarray, photo_boxes: Sequence[Box] = (), *, in_place: bool = False
) -> np.ndarray:
    """``gray`` (rows x 1728, uint8) thresholded to 1 bit, with the boxes that hold
    photographic content halftoned (:func:`halftone`); packed 8 pixels a byte, MSB first,
    1 = ink (the fax line's and TIFF MinIsWhite's convention). ``in_place`` thresholds into
    ``gray``'s own memory (it is overwritten) instead of a new page-sized array."""
    photos = []
    for left, upper, right, lower in photo_boxes:
        region = gray[upper:lower, left:right]
        midtones = np.count_nonzero((region >= _MIDTONES.start) & (region < _MIDTONES.stop))
        if midtones > _PHOTO_MIDTONE_SHARE * region.size:
            photos.append(((upper, lower, left, right), halftone(region, upper, left)))
    ink = np.less(gray, TEXT_THRESHOLD, out=gray.view(np.bool_) if in_place else None)
    for (upper, lower, left, right), dots in photos:  # in page order: later boxes on top
        ink[upper:lower, left:right] = dots
    return np.packbits(ink, axis=1)


def bits_to_image(bits: np.ndarray, width: int = FAX_WIDTH) -> Image.Image:
    """Packed rows (1 = ink) as a Pillow "1" image (0 = black)."""
    return Image.frombytes("1", (width, bits.shape[0]), bits.tobytes(), "raw", "1;I")


def halve_rows_array(gray: np.ndarray) -> np.ndarray:
    """Fine (196 lpi) to standard (98 lpi): each output row is the darker of two input rows,
    so one-dot horizontal strokes (the bar of an "e", table rules) survive instead of
    averaging away to grey. An odd last row is kept as it is (paired with white)."""
    rows = gray.shape[0]
    halved = np.empty(((rows + 1) // 2, *gray.shape[1:]), gray.dtype)
    np.minimum(gray[0 : rows - 1 : 2], gray[1::2], out=halved[: rows // 2])
    if rows % 2:
        halved[-1] = gray[-1]
    return halved


def halve_rows(gray: Image.Image) -> Image.Image:
    """:func:`halve_rows_array` for a greyscale Pillow image."""
    return Image.fromarray(halve_rows_array(np.asarray(gray.convert("L"))))
