"""Image inputs (TIFF, PNG, JPEG): validation and conversion to PDF pages, one frame at a time."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageOps

from .errors import DocumentRejected
from .limits import DocumentLimits
from .pdf import corrupt, too_many_pages, too_many_pixels
from .sniff import DocumentKind

# Pages made from images fit this box (inches, portrait; swapped for landscape images): the
# part of the page both A4 (8.27 x 11.69) and Letter (8.5 x 11) have, so nothing is cut off
# whichever paper the recipient uses.
PAGE_BOX_IN = (8.27, 11.0)
# An image whose resolution tags give it a believable physical size up to US Letter or A4
# keeps that size (a scanned page stays a page); anything else is fitted into PAGE_BOX_IN,
# never stretched past it.
MAX_PHYSICAL_IN = (8.5, 11.69)
_PLAUSIBLE_DPI = (50.0, 2400.0)
# PNG stores resolution in dots per metre: 100 dpi comes back as 99.9998.
_SIZE_TOLERANCE = 1.01
# Grey/colour pixels beyond this density only make the intermediate PDF bigger: the fax has
# 204 x 196 dots per inch.
MAX_PDF_DPI = 300
# Bilevel images are kept bit-exact unless they are absurdly dense.
MAX_BILEVEL_DPI = 600
_JPEG_QUALITY = 90


@contextmanager
def open_image(
    data: bytes, kind: DocumentKind, filename: str, limits: DocumentLimits
) -> Iterator[Image.Image]:
    try:
        image = Image.open(io.BytesIO(data), formats=[kind.pillow_format])
    except Image.DecompressionBombError as exc:
        # Pillow refuses absurd canvases (beyond 2x its own limit) before we can look.
        raise too_many_pixels(filename, None, limits.max_pixels) from exc
    except Exception as exc:
        raise corrupt(filename) from exc
    with image:
        yield image


def iter_frames(image: Image.Image, limits: DocumentLimits, filename: str) -> Iterator[int]:
    """Seek through the frames of ``image`` (lazily, without counting them all first),
    checking the page and pixel limits before any frame is decoded."""
    index = 0
    while True:
        if index:
            try:
                image.seek(index)
            except EOFError:
                return
        if index >= limits.max_pages:
            raise too_many_pages(filename, None, limits.max_pages)
        width, height = image.size
        if width <= 0 or height <= 0:
            raise corrupt(filename)
        if width * height > limits.max_pixels:
            raise too_many_pixels(filename, image.size, limits.max_pixels)
        yield index
        index += 1


def inspect_image(
    data: bytes, kind: DocumentKind, limits: DocumentLimits, filename: str = ""
) -> int:
    """Number of pages (frames) of a valid image; every frame is decoded once to prove it."""
    frames = 0
    with open_image(data, kind, filename, limits) as image:
        try:
            for _ in iter_frames(image, limits, filename):
                if kind is DocumentKind.JPEG:
                    # Decoding at 1/8 scale walks the whole entropy-coded stream (so damage is
                    # caught) at a fraction of the memory.
                    image.draft(image.mode, (image.width // 8, image.height // 8))
                image.load()
                frames += 1
        except DocumentRejected:
            raise
        except Exception as exc:
            raise corrupt(filename) from exc
    if frames == 0:
        raise corrupt(filename)
    return frames


def _dpi(frame: Image.Image) -> tuple[float, float] | None:
    dpi = frame.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return None
    low, high = _PLAUSIBLE_DPI
    if low <= x <= high and low <= y <= high:
        return x, y
    return None


_TRANSPOSING_ORIENTATIONS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def _upright(frame: Image.Image) -> tuple[int, int, tuple[float, float] | None]:
    """Size and resolution of the frame as it is meant to be seen (after EXIF rotation),
    read from the headers without decoding pixels."""
    width, height = frame.size
    dpi = _dpi(frame)
    try:
        orientation = frame.getexif().get(0x0112)
    except Exception:
        orientation = None
    if orientation in _TRANSPOSING_ORIENTATIONS:
        return height, width, (dpi[1], dpi[0]) if dpi else None
    return width, height, dpi


def page_size_in(frame: Image.Image, box: tuple[float, float] = PAGE_BOX_IN) -> tuple[float, float]:
    """Physical page size (inches) for an image frame, preserving its aspect ratio and
    orientation: landscape images give landscape pages (the renderer rotates those). ``box``
    (portrait inches) is what a page without a believable physical size is fitted into:
    the paper the fax is laid out for."""
    width, height, dpi = _upright(frame)
    # Orientation and aspect are physical: a standard-resolution fax frame (1728 x 1100 dots
    # at 204 x 98 dpi) is a portrait page even though it has more columns than rows.
    aspect = (width / dpi[0]) / (height / dpi[1]) if dpi else width / height
    landscape = aspect > 1
    if dpi:
        size = (width / dpi[0], height / dpi[1])
        limit = MAX_PHYSICAL_IN[::-1] if landscape else MAX_PHYSICAL_IN
        if size[0] <= limit[0] * _SIZE_TOLERANCE and size[1] <= limit[1] * _SIZE_TOLERANCE:
            return size
    box_w, box_h = box[::-1] if landscape else box
    if aspect >= box_w / box_h:
        return box_w, box_w / aspect
    return box_h * aspect, box_h


def _flatten(frame: Image.Image) -> Image.Image:
    """A bilevel ("1") or greyscale ("L") copy of a frame: the fax is black and white, and a
    grey PDF is smaller than a colour one."""
    if frame.mode == "1":
        return frame.copy()
    if frame.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        _low, high = frame.getextrema()  # type: ignore[misc]
        scale = 255.0 / high if high and high > 255 else 1.0  # type: ignore[operator]
        return frame.convert("F").point(lambda v: v * scale).convert("L")
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("L")
    return frame.convert("L")


def frame_to_pdf(frame: Image.Image, page_size: tuple[float, float] | None = None) -> bytes:
    """One PDF page showing ``frame`` upright, at ``page_size`` inches (default
    :func:`page_size_in`)."""
    page_w, page_h = page_size or page_size_in(frame)
    frame = ImageOps.exif_transpose(frame) or frame
    image = _flatten(frame)
    max_dpi = MAX_BILEVEL_DPI if image.mode == "1" else MAX_PDF_DPI
    target = (max(1, round(page_w * max_dpi)), max(1, round(page_h * max_dpi)))
    if image.width > target[0] or image.height > target[1]:
        if image.mode == "1":
            image = image.convert("L")
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    # Bilevel frames are stored CCITT G4 (lossless), greyscale ones as JPEG.
    quality = {} if image.mode == "1" else {"quality": _JPEG_QUALITY}
    image.save(out, "PDF", dpi=(image.width / page_w, image.height / page_h), **quality)
    return out.getvalue()


def iter_image_pdf_pages(
    data: bytes,
    kind: DocumentKind,
    limits: DocumentLimits,
    filename: str = "",
    box: tuple[float, float] = PAGE_BOX_IN,
) -> Iterator[bytes]:
    """Each frame of an accepted image as a one-page PDF, decoding one frame at a time,
    fitted to ``box`` (see :func:`page_size_in`)."""
    with open_image(data, kind, filename, limits) as image:
        for _ in iter_frames(image, limits, filename):
            try:
                page_size = page_size_in(image, box)
                if kind is DocumentKind.JPEG:
                    # Let libjpeg decode at a reduced scale when the source is far denser than
                    # the page needs (phone photos): much less memory and time. The page size
                    # is taken first, from the full-size header.
                    w_in, h_in = page_size
                    wanted = (round(w_in * MAX_PDF_DPI), round(h_in * MAX_PDF_DPI))
                    if image.width < image.height:
                        wanted = (min(wanted), max(wanted))
                    else:
                        wanted = (max(wanted), min(wanted))
                    image.draft("L", wanted)
                page = frame_to_pdf(image, page_size)
            except DocumentRejected:
                raise
            except Exception as exc:
                raise corrupt(filename) from exc
            yield page
