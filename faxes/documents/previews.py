"""Page previews and a thumbnail for the UI, written to a Django storage at id-derived paths.

Pages are rendered and stored one at a time; the thumbnail is cut from the page-1 preview.
Previews show the document as people read it (landscape pages stay landscape), in grey.
"""

from __future__ import annotations

import io
from collections.abc import Generator
from dataclasses import dataclass
from typing import Literal

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image

from .pdfium_util import PDFIUM_LOCK, PdfSource, open_pdf
from .raster import Placement, render_gray
from .sniff import DocumentKind, detect

ImageFormat = Literal["png", "webp"]

PAGE_WIDTH = 900  # about 100 dpi for Letter/A4: readable on screen, small to store
THUMBNAIL_WIDTH = 240


@dataclass(frozen=True)
class PreviewSet:
    thumbnail: str  # storage name of the page-1 thumbnail
    pages: tuple[str, ...]  # storage names of the page previews, page 1 first


def _pdf_pages(pdf: PdfSource, width: int) -> Generator[Image.Image, None, None]:
    with open_pdf(pdf, forms=True) as document:
        with PDFIUM_LOCK:
            total = len(document)
        for index in range(total):
            with PDFIUM_LOCK:
                page = document[index]
                try:
                    page_width, page_height = page.get_size()
                    height = max(1, round(page_height * width / page_width))
                    image = render_gray(page, Placement(0, 0, width, height), canvas_width=width)
                finally:
                    page.close()
            yield image


def _tiff_pages(data: bytes, width: int) -> Generator[Image.Image, None, None]:
    with Image.open(io.BytesIO(data), formats=["TIFF"]) as image:
        index = 0
        while True:
            try:
                image.seek(index)
            except EOFError:
                return
            x_dpi, y_dpi = (float(v) for v in image.info.get("dpi", (1, 1)))
            # Fax pages have non-square pixels (204 x 98 dpi at standard resolution).
            aspect = (y_dpi / x_dpi) if x_dpi and y_dpi else 1.0
            height = max(1, round(image.height / aspect * width / image.width))
            yield image.convert("L").resize((width, height), Image.Resampling.BOX)
            index += 1


def iter_page_images(source: PdfSource, width: int) -> Generator[Image.Image, None, None]:
    """Greyscale images of each page, ``width`` pixels wide, of a PDF or a TIFF."""
    if isinstance(source, bytes) and detect(source) is DocumentKind.TIFF:
        return _tiff_pages(source, width)
    return _pdf_pages(source, width)


def first_page_image(source: PdfSource, width: int) -> Image.Image:
    pages = iter_page_images(source, width)
    try:
        return next(pages)
    finally:
        pages.close()  # closes the document now, not when garbage-collected


def _encode(image: Image.Image, image_format: ImageFormat) -> ContentFile[bytes]:
    out = io.BytesIO()
    if image_format == "webp":
        image.save(out, "WEBP", quality=80, method=4)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return ContentFile(out.getvalue())


def _store(storage: Storage, name: str, content: ContentFile[bytes]) -> str:
    # The names are derived from the fax id, so an existing file is an earlier run of this
    # same job (a retried task): replace it rather than pile up "page_x7Ab3.png" copies.
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, content)


def make_previews(
    source: PdfSource,
    storage: Storage,
    base_path: str,
    *,
    page_width: int = PAGE_WIDTH,
    thumbnail_width: int = THUMBNAIL_WIDTH,
    image_format: ImageFormat = "png",
) -> PreviewSet:
    """Render and store a preview of every page of ``source`` (PDF bytes or path, or fax TIFF
    bytes) under ``base_path`` (e.g. ``faxes/<account_id>/<fax_id>/``) in ``storage``, plus a
    thumbnail of page 1. Returns the names the storage actually used."""
    pages = iter_page_images(source, page_width)
    wanted_base = base_path.rstrip("/") + "/"
    stored: list[str] = []
    thumbnail = ""
    for number, image in enumerate(pages, start=1):
        if number == 1:
            height = max(1, round(image.height * thumbnail_width / image.width))
            small = image.resize((thumbnail_width, height), Image.Resampling.LANCZOS)
            thumbnail = _store(
                storage, f"{wanted_base}thumbnail.{image_format}", _encode(small, image_format)
            )
        name = f"{wanted_base}pages/{number:04d}.{image_format}"
        stored.append(_store(storage, name, _encode(image, image_format)))
    return PreviewSet(thumbnail=thumbnail, pages=tuple(stored))
