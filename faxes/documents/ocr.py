"""A text layer for received faxes: Debian's tesseract (through pytesseract) reads the fax's
pages, and its text-only PDF is laid over the pages of the fax's PDF, so the PDF people
download is searchable and the text can be stored.

Tesseract reads the fax's own pixels (the received TIFF, whose frames are the PDF's pages).
Standard-resolution pages (98 lpi) are stretched to square pixels first: tesseract assumes
square pixels, and a page squashed to half its height reads worse. A page whose TIFF frame
does not have the PDF page's shape (a received PDF whose landscape pages were turned for
the fax TIFF) is read from the PDF page itself, rendered by pdfium at the fax's 204 dpi.

Tesseract runs once per fax (one process, one model load, every page), single-threaded
(``OMP_THREAD_LIMIT=1``: its OpenMP threads made a page 4-5 times slower on a busy 2-core
machine) and niced, so sending and receiving faxes keep the CPU. Django-free.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, TiffImagePlugin
from pypdf import PdfReader, PdfWriter, Transformation
from pytesseract import pytesseract

from .faxspec import X_DPI
from .pdfium_util import PDFIUM_LOCK, open_pdf

OCR_DPI = X_DPI  # fax pages are 204 dpi across; rows are made square to that
_SHAPE_TOLERANCE = 0.03  # a TIFF frame is the PDF page when their shapes differ less
NICE = 10
_WORDS_OF_A_TEXT_PAGE = 20  # more than a header line
# Tesseract's names of the portal's languages.
TESSERACT_LANGUAGES = {"en": "eng", "de": "deu", "es": "spa"}


class OcrUnavailable(Exception):
    """Tesseract (or every language asked for) is not installed: nothing can be read."""


class OcrFailed(Exception):
    """Tesseract could not read this fax (it failed, timed out, or its output is unusable)."""


@dataclass(frozen=True)
class OcrResult:
    pdf: bytes  # the fax's PDF, each page with an invisible text layer
    text: str  # what was read, the pages separated by form feeds
    pages: int
    languages: str  # as tesseract was given them, e.g. "deu+eng"

    def __repr__(self) -> str:
        return f"OcrResult(pages={self.pages}, chars={len(self.text)}, lang={self.languages})"


def tesseract_path() -> str | None:
    """Where the tesseract program is, or None when it is not installed."""
    return shutil.which(pytesseract.tesseract_cmd)


def installed_languages() -> set[str]:
    """The languages tesseract has models for (empty without tesseract)."""
    if tesseract_path() is None:
        return set()
    try:
        return set(pytesseract.get_languages())
    except pytesseract.TesseractNotFoundError:
        return set()


def languages_for(language: str, installed: set[str] | None = None) -> str:
    """Tesseract's ``-l`` value for a fax to an account writing ``language``: that language
    and English (faxes to German or Spanish offices carry English too, e.g. header lines),
    as far as they are installed. ``OcrUnavailable`` when none is."""
    installed = installed_languages() if installed is None else installed
    wanted = dict.fromkeys([TESSERACT_LANGUAGES.get(language, "eng"), "eng"])
    chosen = [code for code in wanted if code in installed]
    if not chosen:
        raise OcrUnavailable("tesseract and its English model are not installed")
    return "+".join(chosen)


def _square(frame: Image.Image) -> Image.Image:
    """A fax frame as tesseract reads it best: grey, rows stretched to square pixels."""
    dpi = frame.info.get("dpi") or (OCR_DPI, OCR_DPI)
    x_dpi, y_dpi = float(dpi[0]) or OCR_DPI, float(dpi[1]) or OCR_DPI
    page = frame.convert("L")
    height = round(page.height * x_dpi / y_dpi)
    if abs(height - page.height) > 1:
        page = page.resize((page.width, height), Image.Resampling.NEAREST)
    if abs(x_dpi - OCR_DPI) > 1:
        scale = OCR_DPI / x_dpi
        size = (round(page.width * scale), round(page.height * scale))
        page = page.resize(size, Image.Resampling.LANCZOS)
    return page


def _same_shape(image: Image.Image, width_pt: float, height_pt: float) -> bool:
    return abs(image.width / image.height - width_pt / height_pt) <= _SHAPE_TOLERANCE * (
        width_pt / height_pt
    )


def _page_images(pdf: bytes, tiff: bytes | None) -> Iterator[Image.Image]:
    """Each PDF page as a grey image at 204 dpi, square pixels: its TIFF frame when that is
    the page, else the page rendered by pdfium."""
    frames = None
    if tiff:
        try:
            frames = Image.open(io.BytesIO(tiff), formats=["TIFF"])
        except Exception:
            frames = None  # unreadable archive copy: the PDF has the pages too
    try:
        with open_pdf(pdf) as document:
            with PDFIUM_LOCK:
                count = len(document)
            frame_count = getattr(frames, "n_frames", 0) if frames is not None else 0
            for index in range(count):
                with PDFIUM_LOCK:
                    page = document[index]
                    width_pt, height_pt = page.get_size()
                    rotated = page.get_rotation() != 0
                image = None
                if frames is not None and frame_count == count and not rotated:
                    frames.seek(index)
                    squared = _square(frames)
                    if _same_shape(squared, width_pt, height_pt):
                        image = squared
                if image is None:
                    with PDFIUM_LOCK:
                        bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
                        image = bitmap.to_pil().convert("L")
                with PDFIUM_LOCK:
                    page.close()
                yield image
    finally:
        if frames is not None:
            frames.close()


def _write_pages(images: Iterator[Image.Image], path: Path) -> int:
    """The pages as one multi-page TIFF for tesseract, written a page at a time (memory
    stays flat for long faxes), losslessly packed; how many were written."""
    count = 0
    with TiffImagePlugin.AppendingTiffWriter(str(path), new=True) as out:
        for image in images:
            image.save(out, "TIFF", compression="tiff_adobe_deflate", dpi=(OCR_DPI, OCR_DPI))
            out.newFrame()
            count += 1
    return count


def _run_tesseract(source: Path, languages: str, timeout: float) -> tuple[bytes, str]:
    """One tesseract run over every page of ``source``: its text-only PDF (a page per
    frame) and its text, written beside ``source``."""
    # Read by tesseract's OpenMP runtime in the child; a value the operator set is kept.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    base = source.with_name("out")
    try:
        pytesseract.run_tesseract(
            str(source), str(base), extension="pdf txt", lang=languages,
            config=f"--dpi {OCR_DPI} -c textonly_pdf=1", nice=NICE, timeout=timeout,
        )  # fmt: skip
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable(str(exc)) from exc
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        # RuntimeError: pytesseract's "Tesseract process timeout" (the process is killed).
        raise OcrFailed(f"tesseract: {exc}") from exc
    try:
        layer = base.with_suffix(".pdf").read_bytes()
        text = base.with_suffix(".txt").read_text("utf-8", errors="replace")
    except OSError as exc:
        raise OcrFailed(f"tesseract wrote no output: {exc}") from exc
    return layer, text


def _placement(page, text_page) -> Transformation:
    """Where a page of tesseract's layer goes on ``page``: stretched to the page as it is
    shown (tesseract read it as shown: pdfium renders ``/Rotate`` applied), then turned back
    into the page's own coordinates."""
    box, source = page.mediabox, text_page.mediabox
    width, height = float(box.width), float(box.height)
    rotation = (page.rotation or 0) % 360
    shown_w, shown_h = (height, width) if rotation in (90, 270) else (width, height)
    place = (
        Transformation()
        .translate(-float(source.left), -float(source.bottom))
        .scale(shown_w / float(source.width), shown_h / float(source.height))
    )
    # /Rotate turns the page clockwise for display; its content turns the other way.
    back = {90: (width, 0.0), 180: (width, height), 270: (0.0, height)}
    if rotation in back:
        place = place.rotate(rotation).translate(*back[rotation])
    return place.translate(float(box.left), float(box.bottom))


def _merge(pdf: bytes, layer: bytes) -> bytes:
    """The fax's PDF with each page of ``layer`` (tesseract's invisible text) laid over
    the page it was read from."""
    original = PdfReader(io.BytesIO(pdf))
    text = PdfReader(io.BytesIO(layer))
    if len(text.pages) != len(original.pages):
        raise OcrFailed(f"tesseract gave {len(text.pages)} pages for {len(original.pages)}")
    writer = PdfWriter(clone_from=original)
    for page, text_page in zip(writer.pages, text.pages, strict=True):
        page.merge_transformed_page(text_page, _placement(page, text_page), over=True)
        page.compress_content_streams()  # the merged page's words, deflated
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def has_text(pdf: bytes) -> str:
    """The text a PDF already carries when every page has more than a header line of it;
    "" otherwise (fax pages are images; a header drawn as text does not make a page
    searchable)."""
    try:
        pages = [(page.extract_text() or "").strip() for page in PdfReader(io.BytesIO(pdf)).pages]
    except Exception:
        return ""
    if not pages or any(len(re.findall(r"\w+", text)) < _WORDS_OF_A_TEXT_PAGE for text in pages):
        return ""
    return "\f".join(pages)


def add_text_layer(
    pdf: bytes,
    tiff: bytes | None,
    *,
    languages: str,
    seconds_per_page: float = 60.0,
) -> OcrResult:
    """Read the fax (its PDF and its fax TIFF) and return the PDF with a text layer.

    ``OcrUnavailable`` without tesseract; ``OcrFailed`` when reading went wrong (tesseract
    failed, or took longer than ``seconds_per_page`` times the page count).
    """
    if tesseract_path() is None:
        raise OcrUnavailable(f"{pytesseract.tesseract_cmd!r} is not installed")
    with tempfile.TemporaryDirectory(prefix="fax-ocr-") as folder:
        source = Path(folder, "pages.tiff")
        try:
            count = _write_pages(_page_images(pdf, tiff), source)
        except Exception as exc:
            raise OcrFailed(f"the fax's pages cannot be read: {exc}") from exc
        if not count:
            raise OcrFailed("the fax has no pages")
        layer, text = _run_tesseract(source, languages, seconds_per_page * count)
    try:
        searchable = _merge(pdf, layer)
    except OcrFailed:
        raise
    except Exception as exc:
        raise OcrFailed(f"the text layer cannot be merged: {exc}") from exc
    # Tesseract ends each page with a form feed; keep them as page breaks.
    pages_text = [part.strip() for part in text.split("\f")][:count]
    return OcrResult(searchable, "\f".join(pages_text).strip(), count, languages)


__all__ = [
    "OcrFailed",
    "OcrResult",
    "OcrUnavailable",
    "add_text_layer",
    "has_text",
    "installed_languages",
    "languages_for",
    "tesseract_path",
]
