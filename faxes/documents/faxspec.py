"""The fax page format every rendered document ends in (ITU-T T.4 "R8" page)."""

from __future__ import annotations

from enum import StrEnum

# 1728 pels over the 215 mm scan line of ITU-T T.4: 8 pels/mm, which TIFF expresses as 204 dpi.
FAX_WIDTH = 1728
X_DPI = 204


class Resolution(StrEnum):
    FINE = "fine"  # 7.7 lines/mm, 196 lpi
    STANDARD = "standard"  # 3.85 lines/mm, 98 lpi

    @property
    def lines_per_inch(self) -> int:
        return 196 if self is Resolution.FINE else 98


class Compression(StrEnum):
    G4 = "g4"  # T.6 / CCITT Group 4: smallest files, what we send by default
    G3 = "g3"  # T.4 / CCITT Group 3 (1-D MH), for consumers that only take G3


_MM = 1 / 25.4


class PaperSize(StrEnum):
    """The paper a fax is laid out for: every page fits it, header line included.

    T.4 scans A4, Letter and Legal over a 215 mm line (1728 dots at R8) and B4 over 255 mm
    (2048 dots); the length is the paper's, at the fax's lines per inch.
    """

    LETTER = "letter"
    A4 = "a4"
    LEGAL = "legal"
    B4 = "b4"

    @property
    def size_in(self) -> tuple[float, float]:
        """(width, length) of the sheet in inches."""
        return _SIZES_IN[self]

    @property
    def width_dots(self) -> int:
        """Dots across the scan line that carries this paper."""
        return B4_WIDTH if self is PaperSize.B4 else FAX_WIDTH

    def rows(self, resolution: Resolution = Resolution.FINE) -> int:
        """The most lines a page of this paper has at ``resolution``."""
        return round(self.size_in[1] * resolution.lines_per_inch)


_SIZES_IN = {
    PaperSize.LETTER: (8.5, 11.0),
    PaperSize.A4: (210 * _MM, 297 * _MM),
    PaperSize.LEGAL: (8.5, 14.0),
    PaperSize.B4: (257 * _MM, 364 * _MM),
}
# 2048 pels over the 255 mm line of T.4: B4 paper.
B4_WIDTH = 2048
