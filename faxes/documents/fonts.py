"""Fonts for the pages we draw ourselves (cover, header line, receipt).

DejaVu is used when the system has it (Debian's fonts-dejavu-core: wide Unicode coverage);
otherwise Pillow's bundled scalable default font, so drawing never depends on system fonts.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PIL import ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)


_cache = threading.local()


def font(size: int, *, bold: bool = False, mono: bool = False) -> Font:
    """A cached font. The cache is per thread: a FreeType face is not safe to use from two
    threads at once, and threads here never share one."""
    fonts: dict[tuple[int, bool, bool], Font] | None = getattr(_cache, "fonts", None)
    if fonts is None:
        fonts = _cache.fonts = {}
    key = (size, bold, mono)
    if key not in fonts:
        fonts[key] = _load(size, bold=bold, mono=mono)
    return fonts[key]


def _load(size: int, *, bold: bool, mono: bool) -> Font:
    name = ("DejaVuSansMono" if mono else "DejaVuSans") + ("-Bold" if bold else "") + ".ttf"
    for folder in _DEJAVU_DIRS:
        try:
            return ImageFont.truetype(str(folder / name), size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def text_width(text: str, face: Font) -> float:
    return face.getlength(text)


def fit(text: str, face: Font, width: float) -> str:
    """``text`` shortened with an ellipsis so that it fits in ``width`` pixels."""
    if text_width(text, face) <= width:
        return text
    while text and text_width(text + "…", face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, face: Font, width: float) -> list[str]:
    """Greedy word wrap into lines no wider than ``width`` pixels; over-long words are split.
    Line breaks in ``text`` are kept (empty lines included)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, face) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while text_width(word, face) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], face) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def clean(text: str) -> str:
    """Printable text only: control characters (from API payloads) would draw as boxes."""
    return "".join(
        ch if ch.isprintable() or ch == "\n" else " " for ch in text.replace("\r\n", "\n")
    )
