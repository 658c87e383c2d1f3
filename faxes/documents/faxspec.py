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


# Longest page we produce, in inches: US Legal. Taller pages (receipt rolls, long web
# captures) are scaled down to this length instead of becoming metre-long fax pages.
MAX_PAGE_LENGTH_IN = 14.0

# US Letter and A4: their lengths (inches) and shapes (width / length). A page of another
# shape that fits them is never rendered longer than Letter (see raster.max_length_in).
PAPER_LENGTHS_IN = (11.0, 11.69)
PAPER_ASPECTS = (8.5 / 11.0, 8.27 / 11.69)
