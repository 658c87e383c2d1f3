"""Write multi-page fax TIFFs (TIFF Class F style) one page at a time.

Pillow cannot write this file directly: ``save_all`` materialises every page first, its
``AppendingTiffWriter`` rescans all earlier pages for each new one, and it can only write
MinIsWhite by inverting pixels in a Python loop. So libtiff is used for what it does well,
CCITT-encoding one page (:func:`encode_bits`: the system libtiff through ctypes, see
:mod:`.libtiff`, or Pillow's when that cannot be loaded), and this module writes the
container: each page's strip followed by its directory, appended to the output as soon as it
is encoded, with the tags fax software expects:

* 1728 x N, 1 bit per sample, one strip per page;
* Compression 4 (T.6, G4) or 3 (T.4, G3 1-D with byte-aligned EOLs);
* PhotometricInterpretation 0 (MinIsWhite: a 1 bit is ink, as on the fax line);
* FillOrder 1, XResolution 204, YResolution 196 or 98, ResolutionUnit inch;
* NewSubfileType "page", PageNumber (n, total).
"""

from __future__ import annotations

import io
import logging
import os
import struct
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Self

import numpy as np
from PIL import Image

from . import libtiff
from .faxspec import B4_WIDTH, FAX_WIDTH, X_DPI, Compression, Resolution

logger = logging.getLogger(__name__)

PathOrFile = str | os.PathLike[str] | BinaryIO

_SHORT, _LONG, _RATIONAL, _ASCII = 3, 4, 5, 2
_STRIP_OFFSETS, _STRIP_BYTE_COUNTS = 273, 279
# T4Options bit 2: EOLs byte-aligned; 1-D (MH) coding, which every T.4 reader supports.
_T4_BYTE_ALIGNED_EOL = 4
_PILLOW_COMPRESSION = {Compression.G4: "group4", Compression.G3: "group3"}
_COMPRESSION_TAG = {Compression.G4: 4, Compression.G3: 3}


@dataclass(frozen=True)
class EncodedPage:
    width: int
    height: int
    lines_per_inch: int
    compression: Compression
    strip: bytes  # CCITT data, MinIsWhite, FillOrder 1


def _single_strip(tiff: bytes) -> bytes:
    """The image data of a one-page, one-strip TIFF written by libtiff."""
    order = "<" if tiff[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    found: dict[int, int] = {}
    for i in range(count):
        tag, kind, n = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * i)
        if tag in (_STRIP_OFFSETS, _STRIP_BYTE_COUNTS):
            if n != 1:
                raise ValueError("expected a single strip")
            fmt = "H" if kind == _SHORT else "I"
            (found[tag],) = struct.unpack_from(order + fmt, tiff, ifd + 2 + 12 * i + 8)
    offset, size = found[_STRIP_OFFSETS], found[_STRIP_BYTE_COUNTS]
    return tiff[offset : offset + size]


def _pillow_ccitt(
    bits: bytes, height: int, compression: Compression, width: int = FAX_WIDTH
) -> bytes:
    """The fallback encoder. Pillow's raw "1" unpacking maps a 1 bit to white and its TIFF
    writer packs white back to a 1 bit (MinIsBlack), so the ink bits go through unchanged."""
    image = Image.frombytes("1", (width, height), bits)
    info: dict[int, object] = {278: height, 266: 1}  # one strip, FillOrder 1
    if compression is Compression.G3:
        info[292] = _T4_BYTE_ALIGNED_EOL
    out = io.BytesIO()
    image.save(out, "TIFF", compression=_PILLOW_COMPRESSION[compression], tiffinfo=info)
    return _single_strip(out.getvalue())


def prepare_encoder() -> None:
    """Load libtiff now (a few milliseconds, once per process) rather than at the first page."""
    libtiff.available()


def encode_bits(
    bits: np.ndarray | bytes,
    height: int,
    *,
    resolution: Resolution = Resolution.FINE,
    compression: Compression = Compression.G4,
    width: int = FAX_WIDTH,
) -> EncodedPage:
    """CCITT-encode a ``width``-wide page (1728, or 2048 for B4) given as packed rows (216
    bytes each at 1728, MSB first, 1 = ink: the MinIsWhite convention the directory
    declares)."""
    compression = Compression(compression)
    row_bytes = (width + 7) // 8
    strip = None
    if libtiff.available():
        try:
            strip = libtiff.encode_ccitt(bits, width, height, compression)
        except libtiff.LibTiffError:
            # Not expected (libtiff said why on stderr); the page is still sent.
            logger.exception("libtiff failed to encode a fax page; using Pillow for it")
    if strip is None:
        data = bits.tobytes() if isinstance(bits, np.ndarray) else bytes(bits)
        if len(data) != row_bytes * height:
            raise ValueError(f"expected {height} rows of {row_bytes} bytes, got {len(data)}")
        strip = _pillow_ccitt(data, height, compression, width)
    return EncodedPage(
        width=width,
        height=height,
        lines_per_inch=Resolution(resolution).lines_per_inch,
        compression=compression,
        strip=strip,
    )


def encode_page(
    page: Image.Image,
    *,
    resolution: Resolution = Resolution.FINE,
    compression: Compression = Compression.G4,
) -> EncodedPage:
    """CCITT-encode a 1-bit fax page, 1728 wide (2048 on B4 paper; Pillow convention: 0 is
    black)."""
    if page.mode != "1" or page.width not in FAX_LINE_WIDTHS:
        raise ValueError(f"fax pages are 1-bit and {FAX_WIDTH} wide, got {page.mode} {page.size}")
    # "1;I" packs inverted: black (0) becomes a 1 bit, ink.
    bits = page.tobytes("raw", "1;I")
    return encode_bits(
        bits, page.height, resolution=resolution, compression=compression, width=page.width
    )


FAX_LINE_WIDTHS = (FAX_WIDTH, B4_WIDTH)  # the 215 mm line, and B4's 255 mm


class FaxTiffWriter:
    """``with FaxTiffWriter(out, total_pages=n) as w: w.add_page(image)`` (or ``add_bits``,
    ``add_encoded``).

    Only the page being written is in memory. ``out`` is a path or a binary file opened for
    writing (it need not be seekable: directories are written after their page's data and
    point forward, so nothing already written is revisited).
    """

    def __init__(
        self,
        out: PathOrFile,
        *,
        resolution: Resolution = Resolution.FINE,
        compression: Compression = Compression.G4,
        total_pages: int = 0,
        software: str = "faxportal",
    ) -> None:
        self.resolution = Resolution(resolution)
        self.compression = Compression(compression)
        self.total_pages = total_pages
        self.software = software.encode("ascii", "replace") + b"\0"
        self.page_bytes: list[int] = []  # CCITT data of each page written, in order
        self.pages_written = 0
        if isinstance(out, str | os.PathLike):
            self._file: BinaryIO = open(out, "wb")  # noqa: SIM115 - closed in close()
            self._owns_file = True
        else:
            self._file = out
            self._owns_file = False
        self._position = 0
        self._pending_ifd: bytearray | None = None  # last directory, written once linked
        self._pending_next = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _write(self, data: bytes) -> int:
        at = self._position
        self._file.write(data)
        self._position += len(data)
        return at

    def add_page(self, page: Image.Image, *, resolution: Resolution | None = None) -> None:
        """Encode and append a 1-bit, 1728-wide page (0 = black). ``resolution`` overrides
        the writer's for this page: received faxes may mix fine and standard pages."""
        self.add_encoded(
            encode_page(
                page,
                resolution=resolution or self.resolution,
                compression=self.compression,
            )
        )

    def add_bits(
        self, bits: np.ndarray | bytes, height: int, *, resolution: Resolution | None = None
    ) -> None:
        """Encode and append a page given as packed rows, 1 = ink (see :func:`encode_bits`);
        an array's rows give its width (1728 dots, or 2048 for B4)."""
        width = bits.shape[1] * 8 if isinstance(bits, np.ndarray) and bits.ndim == 2 else FAX_WIDTH
        self.add_encoded(
            encode_bits(
                bits,
                height,
                resolution=resolution or self.resolution,
                compression=self.compression,
                width=width,
            )
        )

    def add_encoded(self, page: EncodedPage) -> None:
        # Layout: header, strip 1, directory 1, strip 2, directory 2, ... Each directory is
        # held back until the next page's size is known, so its "next directory" offset can
        # be filled in before it is written: the output is written strictly sequentially.
        pad = len(page.strip) % 2  # directories start on a word boundary
        if self._pending_ifd is None:
            strip_at = 8
            ifd_at = strip_at + len(page.strip) + pad
            self._write(b"II*\0" + struct.pack("<I", ifd_at))
        else:
            strip_at = self._position + len(self._pending_ifd)
            ifd_at = strip_at + len(page.strip) + pad
            struct.pack_into("<I", self._pending_ifd, self._pending_next, ifd_at)
            self._write(bytes(self._pending_ifd))
        self._write(page.strip + b"\0" * pad)
        assert self._position == ifd_at
        self._pending_ifd, self._pending_next = self._directory(page, strip_at, ifd_at)
        self.pages_written += 1
        self.page_bytes.append(len(page.strip))

    def _directory(self, page: EncodedPage, strip_at: int, ifd_at: int) -> tuple[bytearray, int]:
        """The directory for ``page``, to be written at ``ifd_at``, and the index of its
        next-directory offset (left 0: last page until another page follows)."""
        total = self.total_pages or 0
        options_tag = 292 if page.compression is Compression.G3 else 293
        options = _T4_BYTE_ALIGNED_EOL if page.compression is Compression.G3 else 0
        entries: list[tuple[int, int, int, bytes]] = [
            (254, _LONG, 1, struct.pack("<I", 2)),  # NewSubfileType: page of a document
            (256, _LONG, 1, struct.pack("<I", page.width)),
            (257, _LONG, 1, struct.pack("<I", page.height)),
            (258, _SHORT, 1, struct.pack("<H", 1)),  # BitsPerSample
            (259, _SHORT, 1, struct.pack("<H", _COMPRESSION_TAG[page.compression])),
            (262, _SHORT, 1, struct.pack("<H", 0)),  # MinIsWhite
            (266, _SHORT, 1, struct.pack("<H", 1)),  # FillOrder: MSB first
            (_STRIP_OFFSETS, _LONG, 1, struct.pack("<I", strip_at)),
            (277, _SHORT, 1, struct.pack("<H", 1)),  # SamplesPerPixel
            (278, _LONG, 1, struct.pack("<I", page.height)),  # RowsPerStrip: one strip
            (_STRIP_BYTE_COUNTS, _LONG, 1, struct.pack("<I", len(page.strip))),
            (282, _RATIONAL, 1, struct.pack("<II", X_DPI, 1)),
            (283, _RATIONAL, 1, struct.pack("<II", page.lines_per_inch, 1)),
            (options_tag, _LONG, 1, struct.pack("<I", options)),
            (296, _SHORT, 1, struct.pack("<H", 2)),  # ResolutionUnit: inch
            (297, _SHORT, 2, struct.pack("<HH", self.pages_written, total)),  # PageNumber
            (305, _ASCII, len(self.software), self.software),  # Software
        ]
        # Values longer than 4 bytes go right after the directory.
        next_at = 2 + 12 * len(entries)
        extra_at = ifd_at + next_at + 4
        table = bytearray(struct.pack("<H", len(entries)))
        extra = bytearray()
        for tag, kind, count, value in entries:
            if len(value) <= 4:
                field = value.ljust(4, b"\0")
            else:
                field = struct.pack("<I", extra_at + len(extra))
                extra += value + (b"\0" if len(value) % 2 else b"")
            table += struct.pack("<HHI", tag, kind, count) + field
        return table + bytearray(4) + extra, next_at

    def close(self) -> None:
        try:
            if self._pending_ifd is not None:
                self._write(bytes(self._pending_ifd))  # the last page: next offset stays 0
                self._pending_ifd = None
            self._file.flush()
        finally:
            if self._owns_file:
                self._file.close()
