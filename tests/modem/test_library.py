from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys
from pathlib import Path

import pytest

from faxes.modem import ModemLibraryMismatch, ModemUnavailable, load_spandsp, modem_available
from faxes.modem.library import NEWER_API_MARKERS, SIGNATURES, T30Stats, check_symbols

from .helpers import requires_spandsp


@requires_spandsp
def test_load_spandsp_succeeds_and_is_cached() -> None:
    lib = load_spandsp()
    assert load_spandsp() is lib
    assert modem_available() is True


@requires_spandsp
def test_every_used_function_has_declared_signature() -> None:
    lib = load_spandsp()
    for name, (restype, argtypes) in SIGNATURES.items():
        func = getattr(lib, name)
        assert func.restype is restype, name
        assert tuple(func.argtypes) == argtypes, name
    with pytest.raises(AttributeError):
        _ = lib.t30_set_rx_encoding  # exported by spandsp but never declared/used


def test_t30_stats_mirrors_0_0_6_layout() -> None:
    # 15 ints, in t30.h order; rtp_events/rtn_events are #if 0'd in 0.0.6.
    assert ctypes.sizeof(T30Stats) == 15 * ctypes.sizeof(ctypes.c_int)
    names = [name for name, _ in T30Stats._fields_]
    assert names[:4] == ["bit_rate", "error_correcting_mode", "pages_tx", "pages_rx"]
    assert names[-1] == "current_status"


def test_missing_library_raises_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModemUnavailable, match="cannot load libspandsp"):
        load_spandsp(tmp_path / "libspandsp.so.2")


def test_non_library_file_raises_unavailable(tmp_path: Path) -> None:
    fake = tmp_path / "libspandsp.so.2"
    fake.write_bytes(b"\x7fELF but not really a shared object")
    with pytest.raises(ModemUnavailable):
        load_spandsp(fake)


def test_unrelated_library_raises_mismatch() -> None:
    libm = ctypes.util.find_library("m")
    assert libm is not None
    with pytest.raises(ModemLibraryMismatch, match=r"missing symbols.*fax_init"):
        load_spandsp(libm)


def test_newer_spandsp_symbol_set_raises_mismatch() -> None:
    # A 0.0.7/3.0-style library exports everything we need *plus* renamed APIs.
    with pytest.raises(ModemLibraryMismatch, match="newer"):
        check_symbols(lambda name: True)
    for marker in NEWER_API_MARKERS:
        with pytest.raises(ModemLibraryMismatch, match=marker):
            check_symbols(lambda name, marker=marker: name in SIGNATURES or name == marker)


def test_0_0_6_symbol_set_is_accepted() -> None:
    check_symbols(lambda name: name in SIGNATURES)


def test_package_import_does_not_pull_in_django() -> None:
    code = (
        "import sys, faxes.modem; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    repo_root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo_root)
