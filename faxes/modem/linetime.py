"""How long a fax call holds the line, from what it carries.

A fax line moves image data at the negotiated bit rate (14,400 bit/s with V.17, down to
2,400 with V.27ter), plus fixed costs: the call's set-up (answer tone, capabilities,
training) and, per page, the post-page exchange and a retrain. With ECM the data travels in
blocks of up to 256 frames of 256 bytes, each block closed by a PPS/MCF exchange.

The figures below were measured through the spandsp modem pair (``bench/photo.py``
prints them again): a one-page call of a blank page takes 15.1 s of line time, three blank
pages 21.6 s; ten typed pages (460 kB of T.6 data) 304 s; a halftoned full-page phone photo
(322 kB) 214.5 s; an error-diffused one (1.29 MB) 813 s, all at 14,400 bit/s with ECM. The
model below predicts those within 7 % (within 2 % for pages with real content).

Two uses: :func:`call_seconds` estimates a document's line time before it is sent (the
portal refuses a page that would hold a line for too long), and :class:`LineBudget` sizes
the loopback's simulated-time cap like a real call's: proportional to what the call
carries at the bit rate actually negotiated, with a floor, never a fixed time per page.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

TOP_BIT_RATE = 14_400  # V.17, what two healthy machines negotiate
SETUP_SECONDS = 12.0  # CED/CNG, DIS/DCS, TCF training, and the final DCN
PAGE_SECONDS = 3.3  # per page: end-of-page exchange (MPS/EOP, MCF) and retraining
ECM_BLOCK_BYTES = 256 * 256
ECM_BLOCK_SECONDS = 3.5  # PPS/MCF after each full block of 256 frames
FRAMING = 1.04  # HDLC flags, addresses, CRCs and bit stuffing around the image data

# The loopback cap: a call runs at most this multiple of its estimate at the bit rate the
# line is using (non-ECM pages are MR-coded and larger than the T.6 data estimated, and a
# damaged line retrains and repeats), and never less than CALL_FLOOR_SECONDS (a short fax
# on a bad line still gets the time a real one would: T.30's own timers end a dead call
# well within it).
CAP_FACTOR = 2.0
CALL_FLOOR_SECONDS = 180.0


def page_seconds(encoded_bytes: int, bit_rate: int = TOP_BIT_RATE) -> float:
    """Line time of one page of ``encoded_bytes`` of T.4/T.6 data at ``bit_rate``."""
    if bit_rate <= 0:
        raise ValueError("bit_rate must be positive")
    data = encoded_bytes * 8 * FRAMING / bit_rate
    blocks = max(0, math.ceil(encoded_bytes / ECM_BLOCK_BYTES) - 1)
    return PAGE_SECONDS + data + blocks * ECM_BLOCK_SECONDS


def call_seconds(page_bytes: Sequence[int], bit_rate: int = TOP_BIT_RATE) -> float:
    """Line time of a whole call carrying pages of these encoded sizes."""
    return SETUP_SECONDS + sum(page_seconds(size, bit_rate) for size in page_bytes)


@dataclass(frozen=True, slots=True)
class LineBudget:
    """What a call carries, so its simulated-time cap can follow the actual bit rate."""

    page_bytes: tuple[int, ...]
    floor_seconds: float = CALL_FLOOR_SECONDS
    factor: float = CAP_FACTOR

    def __post_init__(self) -> None:
        if any(size < 0 for size in self.page_bytes):
            raise ValueError("page sizes cannot be negative")
        if not (math.isfinite(self.floor_seconds) and self.floor_seconds > 0):
            raise ValueError("floor_seconds must be a positive number")
        if not self.factor >= 1:
            raise ValueError("factor must be at least 1")

    def cap_seconds(self, bit_rate: int) -> float:
        """Simulated seconds the call may last while the line runs at ``bit_rate``."""
        estimate = call_seconds(self.page_bytes, max(bit_rate, 2_400))
        return max(self.floor_seconds, self.factor * estimate)


def tiff_page_bytes(tiff_path: str | os.PathLike[str]) -> tuple[int, ...]:
    """The encoded size of each page of a fax TIFF (its strips), read from the headers."""
    from PIL import Image

    sizes = []
    with Image.open(tiff_path) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            sizes.append(sum(image.tag_v2.get(279, ())))  # type: ignore[attr-defined]
    return tuple(sizes)
