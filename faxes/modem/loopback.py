"""Entry point: send a TIFF between two simulated fax endpoints in one process."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .audio import run_audio_call
from .codes import CompletionCode
from .endpoint import CallOutcome, dcs_format
from .g711 import Law
from .library import SpanDSP, load_spandsp
from .options import FaxOptions, Impairments, Mode, TransmissionResult, compression_of
from .t38 import run_t38_call

_LAWS = {Mode.G711_ALAW: Law.ALAW, Mode.G711_ULAW: Law.ULAW}


def transmit(
    tiff_path: str | os.PathLike[str],
    *,
    mode: Mode | str = Mode.AUDIO,
    options: FaxOptions | None = None,
    impairments: Impairments | None = None,
    received_tiff: str | os.PathLike[str] | None = None,
    library: SpanDSP | None = None,
) -> TransmissionResult:
    """Fax ``tiff_path`` from a calling (sending) to an answering (receiving)
    endpoint over a simulated line and report what happened.

    * ``tiff_path``: TIFF/F-style multi-page bilevel TIFF (1728 wide, 204 dpi
      across, 98/196 dpi down). A missing or unreadable file is reported by
      spandsp as a completion code (e.g. 41 ``FILEERROR`` -> 5141), not raised.
    * ``received_tiff``: where the receiver writes pages. If omitted a temp file
      is created; it is returned in the result (the caller then owns and must
      delete it) or deleted here when no page arrived or on error.
    * ``library``: a :func:`load_spandsp` result; defaults to the system one.

    Runs entirely in simulated time: the call stops after
    ``options.max_line_seconds`` of line time even if T.30 has not finished,
    in which case both sides are hung up (``timed_out=True``, code 49
    ``CALLDROPPED`` unless spandsp reports something more specific).

    Thread safety: each call creates and frees its own spandsp states and
    callbacks; nothing mutable is shared, so calls may run concurrently in
    threads (spandsp states are not thread safe, but none is ever shared;
    ctypes releases the GIL while in C).

    Raises :class:`~faxes.modem.ModemUnavailable` /
    :class:`~faxes.modem.ModemLibraryMismatch` if libspandsp is unusable and
    ``ValueError`` for an unknown mode or noise requested in T.38 mode.
    """
    mode = Mode(mode)
    options = options or FaxOptions()
    impairments = impairments or Impairments()
    if mode is Mode.T38 and impairments.noise_dbm0 is not None:
        # Silently ignoring it would make a "noisy" T.38 test pass vacuously.
        raise ValueError("noise_dbm0 applies to audio modes only; T.38 carries no audio")
    lib = library or load_spandsp()
    tx_path = os.fspath(tiff_path)

    owns_output = received_tiff is None
    if owns_output:
        fd, rx_path = tempfile.mkstemp(prefix="fax-rx-", suffix=".tif")
        # Keep the (empty) placeholder so the name stays reserved; libtiff
        # truncates it when the first page starts, and it is removed below if
        # no page ever arrives.
        os.close(fd)
    else:
        rx_path = os.fspath(received_tiff)  # type: ignore[arg-type]

    keep_output = False
    try:
        if mode is Mode.T38:
            outcome = run_t38_call(
                lib, tx_path=tx_path, rx_path=rx_path, options=options, impairments=impairments
            )
        else:
            outcome = run_audio_call(
                lib,
                tx_path=tx_path,
                rx_path=rx_path,
                options=options,
                impairments=impairments,
                law=_LAWS.get(mode),
            )
        result = _build_result(lib, mode, outcome, rx_path)
        keep_output = result.received_tiff is not None
        return result
    finally:
        if owns_output and not keep_output:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(rx_path)


def _build_result(
    lib: SpanDSP, mode: Mode, outcome: CallOutcome, rx_path: str
) -> TransmissionResult:
    tx, rx = outcome.tx, outcome.rx
    # Phase E always fires once the call is hung up; CALLDROPPED is a backstop.
    tx_code = tx.completion_code if tx.completion_code is not None else CompletionCode.CALLDROPPED
    rx_code = rx.completion_code if rx.completion_code is not None else CompletionCode.CALLDROPPED
    code = int(tx_code or rx_code)
    pages_received = max(rx.stats.pages_rx, 0)
    received = Path(rx_path) if pages_received > 0 and os.path.exists(rx_path) else None
    width_mm, length = dcs_format(tx.dcs) if tx.dcs is not None else (None, None)
    return TransmissionResult(
        mode=mode,
        success=code == CompletionCode.OK and not outcome.timed_out,
        completion_code=code,
        completion_text=lib.completion_text(code),
        tx_completion_code=int(tx_code),
        rx_completion_code=int(rx_code),
        timed_out=outcome.timed_out,
        pages_in_file=tx.stats.pages_in_file,
        pages_sent=max(tx.stats.pages_tx, 0),
        pages_received=pages_received,
        # The sender's view of the negotiated image phase (the receiver agrees).
        bit_rate=tx.stats.bit_rate,
        ecm_used=bool(tx.stats.error_correcting_mode),
        # The sender codes every page of a call the same way (what its DCS announced); read
        # per page, as the stats of a finished call may already be reset.
        compression=compression_of(
            next((e for e in reversed(tx.page_encodings) if e), tx.stats.encoding)
        ),
        scan_width_mm=width_mm,
        page_length=length,
        fell_back=tx.fell_back,
        bad_rows=sum(rx.page_bad_rows),
        missing_rows=sum(
            max(sent - got, 0) for sent, got in zip(tx.page_rows, rx.page_rows, strict=False)
        ),
        tx_remote_ident=tx.remote_ident,
        rx_remote_ident=rx.remote_ident,
        line_seconds=outcome.line_seconds,
        received_tiff=received,
        lost_units=outcome.lost_units,
    )
