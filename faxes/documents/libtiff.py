"""CCITT G4/G3 encoding of packed 1-bit pages with the system libtiff, through ctypes.

Why not Pillow (which also encodes with libtiff): Pillow only takes a one-byte-per-pixel "1"
image, packs it into bits itself and holds the GIL for the whole encode. Called through
ctypes, libtiff takes rows already packed (numpy does that in a fraction of a millisecond)
and encodes with the GIL released, so encoding one page overlaps with pdfium rasterising the
next. Same codec, so the encoded bytes are the same as Pillow's (a test checks).

Only the codec is used. libtiff writes a throw-away one-strip TIFF through the callbacks
below; the bytes it writes while the strip is encoded are the page's CCITT data, everything
else (file header) is dropped, and the handle is freed without writing a directory. The fax
TIFF itself (tags, page order, sequential output) is written by :mod:`.tiffwriter`.

The library is Debian's ``libtiff6`` (``scripts/bootstrap`` installs it; libspandsp2 and
libtiff-tools depend on it anyway). When it cannot be loaded, :func:`library` logs why once
and returns None, and callers fall back to Pillow.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import logging
from functools import cache

import numpy as np

from .faxspec import Compression

logger = logging.getLogger(__name__)

# Debian 12's libtiff6 first; whatever the linker knows as "tiff" otherwise.
SONAMES: tuple[str, ...] = ("libtiff.so.6",)

_IMAGE_WIDTH, _IMAGE_LENGTH, _BITS_PER_SAMPLE, _COMPRESSION = 256, 257, 258, 259
_PHOTOMETRIC, _FILL_ORDER, _SAMPLES_PER_PIXEL, _ROWS_PER_STRIP = 262, 266, 277, 278
_GROUP3_OPTIONS = 292
_PHOTOMETRIC_MINISWHITE = 0  # a 1 bit is ink, as on the fax line
_FILLORDER_MSB2LSB = 1
_GROUP3OPT_FILLBITS = 4  # T.4 1-D (MH) with byte-aligned EOLs, as tiffwriter declares
_CODES = {Compression.G4: 4, Compression.G3: 3}
_SEEK_SET, _SEEK_CUR, _SEEK_END = 0, 1, 2

_ReadWrite = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t)
_Seek = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int)
_Close = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_Size = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)


class LibTiffError(RuntimeError):
    """libtiff refused a call (its own message went to stderr through its error handler)."""


class _Sink:
    """Where libtiff "writes" one page: only what arrives while ``capturing`` is kept."""

    def __init__(self) -> None:
        self.position = 0
        self.end = 0
        self.capturing = False
        self.chunks: list[bytes] = []


# Sinks by the handle given to libtiff as its client data. The callbacks are module-level
# so they can never be garbage-collected while libtiff still holds them.
_sinks: dict[int, _Sink] = {}
_handles = itertools.count(1)


def _read(handle: int | None, buffer: int | None, size: int) -> int:
    return 0  # write-only: libtiff never needs to read back what it wrote


def _write(handle: int | None, buffer: int | None, size: int) -> int:
    sink = _sinks[handle or 0]
    if sink.capturing:
        sink.chunks.append(ctypes.string_at(buffer or 0, size))
    sink.position += size
    sink.end = max(sink.end, sink.position)
    return size


def _seek(handle: int | None, offset: int, whence: int) -> int:
    sink = _sinks[handle or 0]
    if offset >= 1 << 63:  # toff_t is unsigned; relative seeks can be negative
        offset -= 1 << 64
    base = {_SEEK_SET: 0, _SEEK_CUR: sink.position, _SEEK_END: sink.end}.get(whence, -1)
    if base < 0 or base + offset < 0:
        return (1 << 64) - 1  # (toff_t)-1: libtiff's "seek failed"
    sink.position = base + offset
    return sink.position


def _close(handle: int | None) -> int:
    return 0


def _size(handle: int | None) -> int:
    return _sinks[handle or 0].end


_CALLBACKS = (_ReadWrite(_read), _ReadWrite(_write), _Seek(_seek), _Close(_close), _Size(_size))


class _Library:
    """libtiff's functions, bound twice. ctypes releases the GIL around every call made
    through a ``CDLL``; for the many short calls (open, set a tag, free) that hand-over
    costs more than the call, and with another thread running Python each re-acquisition
    can wait, so they go through a ``PyDLL`` (GIL kept). Only the encode, which takes
    milliseconds, releases the GIL."""

    def __init__(self, name: str) -> None:
        quick = ctypes.PyDLL(name)
        slow = ctypes.CDLL(name)
        self.path = name
        self.open = quick.TIFFClientOpen
        self.open.restype = ctypes.c_void_p
        self.open.argtypes = [
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p,
            _ReadWrite, _ReadWrite, _Seek, _Close, _Size, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        # TIFFSetField is variadic: no argtypes, each value passed with its C type (_set).
        self.set_field = quick.TIFFSetField
        self.set_field.restype = ctypes.c_int
        self.write_encoded_strip = slow.TIFFWriteEncodedStrip
        self.write_encoded_strip.restype = ctypes.c_ssize_t
        self.write_encoded_strip.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint32,
            ctypes.c_void_p,
            ctypes.c_ssize_t,
        ]
        self.cleanup = quick.TIFFCleanup
        self.cleanup.restype = None
        self.cleanup.argtypes = [ctypes.c_void_p]


def _candidates() -> list[str]:
    names = list(SONAMES)
    found = ctypes.util.find_library("tiff")
    if found and found not in names:
        names.append(found)
    return names


@cache
def library() -> _Library | None:
    """The loaded libtiff, or None (logged once) when it is missing or unusable."""
    problems = []
    for name in _candidates():
        try:
            return _Library(name)
        except (OSError, AttributeError) as exc:  # not there, or without these functions
            problems.append(f"{name}: {exc}")
    logger.warning(
        "libtiff could not be loaded (%s); fax pages are CCITT-encoded with Pillow instead, "
        "which is about 2.5 times slower. Install Debian's libtiff6.",
        "; ".join(problems) or "no candidate",
    )
    return None


def available() -> bool:
    return library() is not None


def _set(lib: _Library, tif: ctypes.c_void_p, tag: int, value: ctypes._SimpleCData) -> None:
    # Variadic arguments follow C's default promotions: uint16 tags are read back as int,
    # uint32 tags as uint32 (float tags would need c_double; none is set here).
    if lib.set_field(tif, ctypes.c_uint32(tag), value) != 1:
        raise LibTiffError(f"TIFFSetField({tag}) failed")


def encode_ccitt(
    bits: np.ndarray | bytes, width: int, height: int, compression: Compression
) -> bytes:
    """CCITT-encode ``height`` rows of ``width`` pixels packed MSB first, 1 = ink.

    Raises :class:`LibTiffError` when libtiff is not available or refuses the page. The GIL
    is released while libtiff encodes.
    """
    lib = library()
    if lib is None:
        raise LibTiffError("libtiff is not available")
    # libtiff gets a plain pointer: an owned, contiguous uint8 buffer (a copy only for bytes,
    # which must never be written through, or for an unusual array).
    data = np.frombuffer(bits, np.uint8) if isinstance(bits, bytes) else bits
    data = np.require(data, np.uint8, ["C_CONTIGUOUS", "WRITEABLE"])
    row_bytes = (width + 7) // 8
    if data.dtype != np.uint8 or data.size != row_bytes * height or height < 1:
        raise ValueError(f"expected {height} rows of {row_bytes} bytes, got {data.size} bytes")
    compression = Compression(compression)
    handle = next(_handles)
    sink = _sinks[handle] = _Sink()
    tif = None
    try:
        tif = lib.open(b"fax page", b"w", handle, *_CALLBACKS, None, None)
        if not tif:
            raise LibTiffError("TIFFClientOpen failed")
        tif = ctypes.c_void_p(tif)
        _set(lib, tif, _IMAGE_WIDTH, ctypes.c_uint32(width))
        _set(lib, tif, _IMAGE_LENGTH, ctypes.c_uint32(height))
        _set(lib, tif, _BITS_PER_SAMPLE, ctypes.c_int(1))
        _set(lib, tif, _SAMPLES_PER_PIXEL, ctypes.c_int(1))
        _set(lib, tif, _COMPRESSION, ctypes.c_int(_CODES[compression]))
        _set(lib, tif, _PHOTOMETRIC, ctypes.c_int(_PHOTOMETRIC_MINISWHITE))
        _set(lib, tif, _FILL_ORDER, ctypes.c_int(_FILLORDER_MSB2LSB))
        _set(lib, tif, _ROWS_PER_STRIP, ctypes.c_uint32(height))
        if compression is Compression.G3:
            _set(lib, tif, _GROUP3_OPTIONS, ctypes.c_uint32(_GROUP3OPT_FILLBITS))
        sink.capturing = True
        written = lib.write_encoded_strip(tif, 0, data.ctypes.data, data.size)
        sink.capturing = False
        if written != data.size:
            raise LibTiffError("TIFFWriteEncodedStrip failed")
        return b"".join(sink.chunks)
    finally:
        if tif:
            lib.cleanup(tif)  # frees everything; no directory is written
        del _sinks[handle]
