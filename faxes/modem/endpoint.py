"""One side of a fax call: configures a ``t30_state_t`` and records what it reports.

The same class serves the audio terminal (``fax_state_t``) and the T.38
terminal: both expose their T.30 engine, and everything we configure or read
lives there.
"""

from __future__ import annotations

import ctypes
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from .library import (
    MESSAGE_HANDLER,
    PHASE_D_HANDLER,
    PHASE_E_HANDLER,
    REAL_TIME_FRAME_HANDLER,
    SpanDSP,
    T30Stats,
)
from .linetime import LineBudget
from .options import FaxOptions, ImageSize

logger = logging.getLogger("faxes.modem.spandsp")

# Accept every resolution spandsp 0.0.6 can carry so the receiver never rejects a
# legitimate fax page (NORESSUPPORT would be our fault); sizes follow FaxOptions.
_RESOLUTIONS = 0x01 | 0x02 | 0x04 | 0x20000 | 0x40000  # std, fine, superfine, R8, R16

# SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_SHOW_TAG
_LOG_FLAGS = 0x0400 | 0x0800 | 0x2000


@dataclass(frozen=True, slots=True)
class EndpointReport:
    completion_code: int | None  # None: phase E never happened
    stats: T30Stats
    remote_ident: str
    # Per completed page (in order): rows, and bad rows as counted by T.4
    # decoding. spandsp's stats only describe the latest page, so these are
    # snapshotted in phase D whenever the side's page counter moves on.
    page_rows: tuple[int, ...]
    page_bad_rows: tuple[int, ...]
    # t30_stats_t.encoding of each completed page (T4_COMPRESSION_* of 0.0.6).
    page_encodings: tuple[int, ...] = ()
    dcs: bytes | None = None  # FIF of the last DCS (the agreed image format)
    fell_back: bool = False  # the sender switched to FaxOptions.fallback_tiff


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What a call driver hands back to :func:`faxes.modem.transmit`."""

    tx: EndpointReport
    rx: EndpointReport
    timed_out: bool  # the simulated-time cap ended the call, not T.30
    line_seconds: float
    lost_units: int


class T30Endpoint:
    """Configure a T.30 engine and collect phase D/E events from it.

    The ctypes callback objects are attributes of this instance; the caller
    must keep the endpoint alive until the owning spandsp state is freed, or C
    would call into freed trampolines.
    """

    def __init__(
        self,
        lib: SpanDSP,
        t30: int,
        *,
        name: str,
        transmitter: bool,
        file_path: str,
        options: FaxOptions,
    ) -> None:
        if not t30:
            raise ValueError("NULL t30_state_t")
        self._lib = lib
        self._t30 = t30
        self.name = name
        self.completion_code: int | None = None
        self.remote_ident = ""
        self.stats = T30Stats()
        self.callback_error: BaseException | None = None
        self._transmitter = transmitter
        self._page_rows: list[int] = []
        self._page_bad_rows: list[int] = []
        self._page_encodings: list[int] = []
        self._phase_e_cb = PHASE_E_HANDLER(self._on_phase_e)
        self._phase_d_cb = PHASE_D_HANDLER(self._on_phase_d)
        self._log_cb = MESSAGE_HANDLER(self._on_log)
        self._watchers: list[Callable[[bool, int], None]] = []
        # The FIF of the DCS this side sent or received last: the image format agreed on.
        self.dcs: bytes | None = None
        self._fallback_path = options.fallback_tiff.encode() if transmitter else b""
        self._document_size = options.document_size
        self.fell_back = False
        self._frame_cb = REAL_TIME_FRAME_HANDLER(self._on_frame)

        ident = options.tx_ident if transmitter else options.rx_ident
        lib.t30_set_tx_ident(t30, ident.encode("ascii"))
        ecm, compressions, image_sizes = options.side(transmitter=transmitter)
        lib.t30_set_ecm_capability(t30, int(ecm))
        lib.t30_set_supported_modems(t30, int(options.modems))
        lib.t30_set_supported_compressions(t30, int(compressions))
        resolutions = _RESOLUTIONS
        if not transmitter and options.receiver_resolutions is not None:
            resolutions = int(options.receiver_resolutions)
        lib.t30_set_supported_resolutions(t30, resolutions)
        lib.t30_set_supported_image_sizes(t30, int(image_sizes))
        encoded_path = file_path.encode()
        if transmitter:
            lib.t30_set_tx_file(t30, encoded_path, -1, -1)
        else:
            lib.t30_set_rx_file(t30, encoded_path, -1)
        lib.t30_set_phase_d_handler(t30, self._phase_d_cb, None)
        lib.t30_set_phase_e_handler(t30, self._phase_e_cb, None)
        lib.t30_set_real_time_frame_handler(t30, self._frame_cb, None)

    def watch_frames(self, on_frame: Callable[[bool, int], None]) -> None:
        """Call ``on_frame(received, fcf)`` for every T.30 control frame this side sends
        or receives (``fcf`` without its X bit), as spandsp handles it."""
        self._watchers.append(on_frame)

    def _on_frame(self, _t30: int, _user: int, direction: int, msg, length: int) -> None:
        # spandsp calls this before it acts on a received frame: a DIS is seen here before
        # the sender opens its document and builds its DCS.
        try:
            if length <= 2:
                return
            fcf = msg[2] & 0xFE
            if fcf == DCS:
                self.dcs = bytes(msg[3:length])
            elif (
                fcf == DIS
                and direction
                and self._fallback_path
                and not self.fell_back
                and not far_end_takes(bytes(msg[3:length]), self._document_size)
            ):
                # The far end has no 255 mm line (spandsp would refuse the document,
                # NOSIZESUPPORT) or no page longer than A4: send the copy fitted to it.
                self._lib.t30_set_tx_file(self._t30, self._fallback_path, -1, -1)
                self.fell_back = True
            for watcher in self._watchers:
                watcher(bool(direction), fcf)
        except BaseException as exc:  # stored and re-raised by the driver
            self.callback_error = exc

    # -- logging -----------------------------------------------------------
    def attach_logging(self, logging_states: list[int], level: int) -> None:
        """Route spandsp log lines of the given logging states to Python logging."""
        if level <= 0:
            return
        for state in [self._lib.t30_get_logging_state(self._t30), *logging_states]:
            if state:
                self._lib.span_log_set_level(state, level | _LOG_FLAGS)
                self._lib.span_log_set_message_handler(state, self._log_cb)

    def _on_log(self, level: int, text: bytes | None) -> None:
        # Never let an exception escape into C.
        try:
            if text:
                logger.debug("[%s] %s", self.name, text.decode("ascii", "replace").rstrip())
        except Exception:  # noqa: S110 - logging must not break the modem
            pass

    # -- callbacks ---------------------------------------------------------
    def _refresh(self) -> None:
        self._lib.t30_get_transfer_statistics(self._t30, ctypes.byref(self.stats))
        raw = self._lib.t30_get_rx_ident(self._t30)
        self.remote_ident = raw.decode("ascii", "replace").strip() if raw else ""
        # The counter only advances for accepted pages (not for RTN'd ones),
        # and the stats are reset after phase E, so record on advance only.
        pages = self.stats.pages_tx if self._transmitter else self.stats.pages_rx
        if pages > len(self._page_rows):
            self._page_rows.append(self.stats.length)
            self._page_bad_rows.append(max(self.stats.bad_rows, 0))
            self._page_encodings.append(self.stats.encoding)

    def _on_phase_d(self, _t30: int, _user: int, _result: int) -> int:
        try:
            self._refresh()
        except BaseException as exc:  # stored and re-raised by the driver
            self.callback_error = exc
        return 0  # T30_ERR_OK: let the call continue

    def _on_phase_e(self, _t30: int, _user: int, completion_code: int) -> None:
        try:
            self.completion_code = completion_code
            self._refresh()
        except BaseException as exc:
            self.callback_error = exc

    # -- driver API ----------------------------------------------------------
    @property
    def pages_done(self) -> int:
        """Pages this side has completed (sent or received) so far in the call."""
        return len(self._page_rows)

    def current_bit_rate(self) -> int:
        """The image-phase bit rate this side is using now (it drops as training falls back)."""
        scratch = T30Stats()
        self._lib.t30_get_transfer_statistics(self._t30, ctypes.byref(scratch))
        return int(scratch.bit_rate)

    @property
    def finished(self) -> bool:
        return self.completion_code is not None

    def hang_up(self) -> None:
        """End the call as a line drop would (fires phase E if still running)."""
        if not self.finished:
            self._lib.t30_terminate(self._t30)
        if not self.finished:  # defensive: spandsp always reports, but be sure
            self._refresh()

    def report(self) -> EndpointReport:
        if self.callback_error is not None:
            raise self.callback_error
        if not self.finished:
            self._refresh()
        return EndpointReport(
            completion_code=self.completion_code,
            stats=self.stats,
            remote_ident=self.remote_ident,
            page_rows=tuple(self._page_rows),
            page_bad_rows=tuple(self._page_bad_rows),
            page_encodings=tuple(self._page_encodings),
            dcs=self.dcs,
            fell_back=self.fell_back,
        )


# After one side reaches phase E, the other gets this much line time to notice
# (e.g. to receive the DCN) before we hang up on it, as the far end's switch
# would. Without it a T.38 receiver whose sender gave up can wait forever.
HANGUP_GRACE_SECONDS = 5.0


class CallSupervisor:
    """Decides when an exchange loop stops: both sides done, the far end hung
    up (grace expired), or the simulated-time cap was reached."""

    def __init__(
        self,
        endpoints: tuple[T30Endpoint, T30Endpoint],
        *,
        cap_seconds: float,
        step_seconds: float,
        cut_after_pages: int | None = None,
        losses: tuple = (),
        budget: LineBudget | None = None,
    ) -> None:
        self._endpoints = endpoints
        self._step_seconds = step_seconds
        # A budget sizes the cap from the sender's current bit rate, checked once a
        # simulated second (cheap: one stats read).
        self._budget = budget
        self._recheck_steps = max(1, round(1.0 / step_seconds))
        # Impairments.drop_after_pages: kill the line (every PacketLoss) once
        # the sender has completed that many pages.
        self._cut_after_pages = cut_after_pages
        self._losses = losses
        # First step boundary at or after the cap (epsilon: 2.0 / 0.02 is not
        # exactly 100 in binary floating point).
        if budget is not None:
            cap_seconds = budget.cap_seconds(endpoints[0].current_bit_rate())
        self._max_steps = math.ceil(cap_seconds / step_seconds - 1e-9)
        self._grace_steps = math.ceil(HANGUP_GRACE_SECONDS / step_seconds - 1e-9)
        self._first_done_at: int | None = None
        self.steps = 0
        self.capped = False

    def keep_going(self) -> bool:
        if self._cut_after_pages is not None and (
            self._endpoints[0].pages_done >= self._cut_after_pages
        ):
            for loss in self._losses:
                loss.cut()
            self._cut_after_pages = None
        done = [ep.finished for ep in self._endpoints]
        if all(done):
            return False
        if self._budget is not None and self.steps % self._recheck_steps == 0:
            cap = self._budget.cap_seconds(self._endpoints[0].current_bit_rate())
            self._max_steps = math.ceil(cap / self._step_seconds - 1e-9)
        if self.steps >= self._max_steps:
            self.capped = True
            return False
        if any(done):
            if self._first_done_at is None:
                self._first_done_at = self.steps
            elif self.steps - self._first_done_at >= self._grace_steps:
                return False
        return True


DCS = 0x82  # T.30 "digital command signal": the sender's choice, followed by its training
DIS = 0x80  # "digital identification signal": what the answering side can take


def _fif_bit(fif: bytes, bit: int) -> bool:
    """T.30 bit ``bit`` (1-based, as the Recommendation numbers them) of a DIS/DCS FIF,
    in spandsp's layout: bit n is (n - 1) % 8 of octet (n - 1) // 8."""
    octet = (bit - 1) // 8
    return octet < len(fif) and bool(fif[octet] >> ((bit - 1) % 8) & 1)


def far_end_takes(dis: bytes, needed: ImageSize) -> bool:
    """Whether a DIS offers the scan line and page length ``needed``. Width, bits 17-18:
    215 mm only (00), also 255 mm (bit 17), also 303 mm (bit 18; "11" reads as that, per
    T.30). Length: A4 always; B4 with bit 19, unlimited with bit 20."""
    wide = _fif_bit(dis, 17) or _fif_bit(dis, 18)
    if needed & ImageSize.WIDTH_303MM and not _fif_bit(dis, 18):
        return False
    if needed & ImageSize.WIDTH_255MM and not wide:
        return False
    long_pages = _fif_bit(dis, 19) or _fif_bit(dis, 20)
    return not (needed & (ImageSize.B4_LENGTH | ImageSize.LEGAL_LENGTH) and not long_pages)


def dcs_format(dcs: bytes) -> tuple[int, str]:
    """(scan-line width in mm, page length) a DCS announces: 215/255/303 and ``a4``,
    ``b4`` or ``unlimited`` (spandsp 0.0.6 sets bit 19 for B4, bit 20 for unlimited)."""
    width = 303 if _fif_bit(dcs, 18) else 255 if _fif_bit(dcs, 17) else 215
    length = "unlimited" if _fif_bit(dcs, 20) else "b4" if _fif_bit(dcs, 19) else "a4"
    return width, length


class TrainingFault:
    """A line that lets T.30's signalling through but not the sender's training.

    Open from the moment the receiver has heard a DCS until it answers (CFR, FTT or
    anything else): the drivers garble what the sender transmits meanwhile (noise on
    the audio, lost fast-modem packets in T.38), so the receiver never trains and
    T.30 fails in phase B after its retries, whatever the document.
    """

    def __init__(self) -> None:
        self.open = False

    def on_receiver_frame(self, received: bool, fcf: int) -> None:
        if received and fcf == DCS:
            self.open = True
        elif not received:
            self.open = False
