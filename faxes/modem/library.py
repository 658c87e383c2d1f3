"""ctypes bindings for the subset of libspandsp 0.0.6 used by the software modem.

Every function we call is declared here with explicit ``argtypes``/``restype``
(ctypes' defaults silently truncate pointers to ``int`` on 64-bit), and
:func:`load_spandsp` verifies at load time that

* every symbol we need exists,
* symbols that only newer spandsp releases export are *absent* (0.0.7/3.0
  renamed ``t30_set_supported_resolutions`` and ``t4_encoding_to_str``, changed
  the logging callback signature and grew ``t30_stats_t``; calling such a
  library through 0.0.6 declarations would corrupt memory rather than fail),
* ``t30_get_transfer_statistics`` writes exactly ``sizeof(t30_stats_t)`` bytes
  (probed against a canary-filled buffer), which pins the struct layout.

The loaded :class:`SpanDSP` object is immutable after construction and cached
per library path, so it can be shared between threads; all mutable state lives
in the per-transmission spandsp states.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from collections.abc import Callable
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_float,
    c_int,
    c_int16,
    c_uint8,
    c_uint16,
    c_void_p,
)
from typing import Any

from .errors import ModemLibraryMismatch, ModemUnavailable

SONAME = "libspandsp.so.2"


class T30Stats(Structure):
    """Mirror of ``t30_stats_t`` from spandsp 0.0.6 ``spandsp/t30.h`` (15 ints;
    the ``rtp_events``/``rtn_events`` members are ``#if 0``'d out in 0.0.6)."""

    _fields_ = [
        ("bit_rate", c_int),
        ("error_correcting_mode", c_int),
        ("pages_tx", c_int),
        ("pages_rx", c_int),
        ("pages_in_file", c_int),
        ("x_resolution", c_int),
        ("y_resolution", c_int),
        ("width", c_int),
        ("length", c_int),
        ("image_size", c_int),
        ("encoding", c_int),
        ("bad_rows", c_int),
        ("longest_bad_row_run", c_int),
        ("error_correcting_mode_retries", c_int),
        ("current_status", c_int),
    ]


T30_STATS_SIZE_0_0_6 = 15 * ctypes.sizeof(c_int)

# Callback prototypes (t30.h, t38_core.h, logging.h of 0.0.6).
PHASE_E_HANDLER = CFUNCTYPE(None, c_void_p, c_void_p, c_int)
PHASE_D_HANDLER = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int)
# t30_real_time_frame_handler_t: (t30, user_data, direction (1 = received), frame, length)
REAL_TIME_FRAME_HANDLER = CFUNCTYPE(None, c_void_p, c_void_p, c_int, POINTER(c_uint8), c_int)
T38_TX_PACKET_HANDLER = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_uint8), c_int, c_int)
# 0.0.6 has no user_data argument here (newer releases added one).
MESSAGE_HANDLER = CFUNCTYPE(None, c_int, c_char_p)

_p = c_void_p
_i16p = POINTER(c_int16)
_u8p = POINTER(c_uint8)

# name -> (restype, argtypes). This table is the single source of truth for
# what we call; load_spandsp() refuses a library lacking any of these.
SIGNATURES: dict[str, tuple[Any, tuple[Any, ...]]] = {
    # fax.h - analogue (audio) terminal
    "fax_init": (_p, (_p, c_int)),
    "fax_free": (c_int, (_p,)),
    "fax_get_t30_state": (_p, (_p,)),
    "fax_get_logging_state": (_p, (_p,)),
    "fax_set_transmit_on_idle": (None, (_p, c_int)),
    "fax_set_tep_mode": (None, (_p, c_int)),
    "fax_tx": (c_int, (_p, _i16p, c_int)),
    "fax_rx": (c_int, (_p, _i16p, c_int)),
    "fax_rx_fillin": (c_int, (_p, c_int)),
    # t38_terminal.h / t38_core.h - T.38 terminal
    "t38_terminal_init": (_p, (_p, c_int, T38_TX_PACKET_HANDLER, _p)),
    "t38_terminal_free": (c_int, (_p,)),
    "t38_terminal_get_t30_state": (_p, (_p,)),
    "t38_terminal_get_t38_core_state": (_p, (_p,)),
    "t38_terminal_get_logging_state": (_p, (_p,)),
    "t38_terminal_send_timeout": (c_int, (_p, c_int)),
    "t38_terminal_set_config": (None, (_p, c_int)),
    "t38_terminal_set_tep_mode": (None, (_p, c_int)),
    # const uint8_t *buf declared as c_char_p so Python bytes pass without a
    # copy into a ctypes array; the explicit length makes embedded NULs fine.
    "t38_core_rx_ifp_packet": (c_int, (_p, c_char_p, c_int, c_uint16)),
    "t38_core_get_logging_state": (_p, (_p,)),
    # t30.h / t30_api.h / t30_logging.h - protocol engine
    "t30_set_tx_file": (None, (_p, c_char_p, c_int, c_int)),
    "t30_set_rx_file": (None, (_p, c_char_p, c_int)),
    "t30_set_tx_ident": (c_int, (_p, c_char_p)),
    "t30_get_rx_ident": (c_char_p, (_p,)),
    "t30_set_ecm_capability": (c_int, (_p, c_int)),
    "t30_set_supported_modems": (c_int, (_p, c_int)),
    "t30_set_supported_compressions": (c_int, (_p, c_int)),
    "t30_set_supported_resolutions": (c_int, (_p, c_int)),
    "t30_set_supported_image_sizes": (c_int, (_p, c_int)),
    "t30_set_phase_d_handler": (None, (_p, PHASE_D_HANDLER, _p)),
    "t30_set_phase_e_handler": (None, (_p, PHASE_E_HANDLER, _p)),
    "t30_set_real_time_frame_handler": (None, (_p, REAL_TIME_FRAME_HANDLER, _p)),
    "t30_get_transfer_statistics": (None, (_p, POINTER(T30Stats))),
    "t30_completion_code_to_str": (c_char_p, (c_int,)),
    "t30_terminate": (None, (_p,)),
    "t30_get_logging_state": (_p, (_p,)),
    # logging.h
    "span_log_set_level": (c_int, (_p, c_int)),
    "span_log_set_message_handler": (None, (_p, MESSAGE_HANDLER)),
    # awgn.h - line noise impairment
    "awgn_init_dbm0": (_p, (_p, c_int, c_float)),
    "awgn_free": (c_int, (_p,)),
    "awgn": (c_int16, (_p,)),
    # t4_rx.h - only used as a 0.0.6 marker (renamed t4_compression_to_str later)
    "t4_encoding_to_str": (c_char_p, (c_int,)),
}

# Exported only by spandsp releases newer than 0.0.6, whose ABI differs. (Older
# releases are caught by SIGNATURES: fax_free, fax_set_tep_mode & co. are 0.0.6
# additions.)
NEWER_API_MARKERS = (
    "t30_set_supported_bilevel_resolutions",
    "t30_set_supported_colour_resolutions",
    "t4_compression_to_str",
    "t30_set_supported_output_compressions",
)


class SpanDSP:
    """A loaded, verified libspandsp 0.0.6. Attribute access yields the typed
    ctypes functions listed in :data:`SIGNATURES` (e.g. ``lib.fax_init``)."""

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.path = path
        self._cdll = cdll
        self._funcs: dict[str, Any] = {}
        for name, (restype, argtypes) in SIGNATURES.items():
            func = getattr(cdll, name)
            func.restype = restype
            func.argtypes = argtypes
            self._funcs[name] = func
        # Bind as attributes so the hot loops pay a plain attribute lookup.
        self.__dict__.update(self._funcs)

    def __getattr__(self, name: str) -> Any:  # only reached for undeclared names
        raise AttributeError(f"spandsp function {name!r} is not declared in SIGNATURES")

    def completion_text(self, code: int) -> str:
        raw = self._funcs["t30_completion_code_to_str"](code)
        return raw.decode("ascii", "replace") if raw else f"unknown completion code {code}"


_cache: dict[str, SpanDSP] = {}
_cache_lock = threading.Lock()


def _resolve_path(path: str | os.PathLike[str] | None) -> str:
    if path is not None:
        return os.fspath(path)
    return ctypes.util.find_library("spandsp") or SONAME


def check_symbols(has_symbol: Callable[[str], bool]) -> None:
    """Raise :class:`ModemLibraryMismatch` unless the symbol set looks like 0.0.6.

    ``has_symbol(name) -> bool`` is injected so the rule can be unit tested
    without a real mismatched library.
    """
    missing = sorted(name for name in SIGNATURES if not has_symbol(name))
    if missing:
        raise ModemLibraryMismatch(
            "libspandsp is missing symbols required by the 0.0.6 API: " + ", ".join(missing)
        )
    newer = [name for name in NEWER_API_MARKERS if has_symbol(name)]
    if newer:
        raise ModemLibraryMismatch(
            "libspandsp exports symbols of a newer, ABI-incompatible release "
            f"({', '.join(newer)}); spandsp 0.0.6 is required"
        )


def _probe_stats_layout(lib: SpanDSP) -> None:
    """Check t30_get_transfer_statistics writes exactly the 0.0.6 struct size."""
    canary = 0xA5
    buf = (c_uint8 * (T30_STATS_SIZE_0_0_6 + 64))(*([canary] * (T30_STATS_SIZE_0_0_6 + 64)))
    fax = lib.fax_init(None, 1)
    if not fax:
        raise ModemLibraryMismatch("fax_init returned NULL while probing the library")
    try:
        stats = ctypes.cast(buf, POINTER(T30Stats))
        lib.t30_get_transfer_statistics(lib.fax_get_t30_state(fax), stats)
    finally:
        lib.fax_free(fax)
    if any(b != canary for b in buf[T30_STATS_SIZE_0_0_6:]):
        raise ModemLibraryMismatch(
            "t30_get_transfer_statistics wrote past the 0.0.6 t30_stats_t layout "
            f"({T30_STATS_SIZE_0_0_6} bytes); this is not spandsp 0.0.6"
        )


def load_spandsp(path: str | os.PathLike[str] | None = None) -> SpanDSP:
    """Load and verify libspandsp (0.0.6 ABI).

    ``path`` defaults to the system library (``find_library('spandsp')``, falling
    back to the ``libspandsp.so.2`` soname). Results are cached per path.

    Raises :class:`ModemUnavailable` if the library cannot be loaded and
    :class:`ModemLibraryMismatch` if it is not 0.0.6-compatible.
    """
    resolved = _resolve_path(path)
    with _cache_lock:
        cached = _cache.get(resolved)
        if cached is not None:
            return cached
        try:
            cdll = ctypes.CDLL(resolved)
        except OSError as exc:
            raise ModemUnavailable(f"cannot load libspandsp from {resolved!r}: {exc}") from exc

        def has_symbol(name: str) -> bool:
            return hasattr(cdll, name)

        check_symbols(has_symbol)
        lib = SpanDSP(cdll, resolved)
        _probe_stats_layout(lib)
        _cache[resolved] = lib
        return lib


def modem_available() -> bool:
    """True if the system libspandsp loads and passes the 0.0.6 checks."""
    try:
        load_spandsp()
    except (ModemUnavailable, ModemLibraryMismatch):
        return False
    return True
