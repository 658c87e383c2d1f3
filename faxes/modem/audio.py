"""Back-to-back analogue fax: two ``fax_state_t`` exchanging 20 ms PCM frames.

Each iteration generates one frame per side with ``fax_tx``, passes it through
that direction's :class:`~faxes.modem.line.AudioLine` (noise, G.711, loss) and
feeds it straight into the other side's ``fax_rx``. Two fixed ctypes buffers
are reused for the whole call, so memory does not grow with call length.
"""

from __future__ import annotations

import ctypes

from . import g711
from .endpoint import CallOutcome, CallSupervisor, T30Endpoint, TrainingFault
from .errors import ModemSetupError
from .library import SpanDSP
from .line import SAMPLE_RATE, AudioLine
from .options import FaxOptions, Impairments

FRAME = 160  # 20 ms at 8 kHz: one RTP packet's worth, also the G.711 frame


def run_audio_call(
    lib: SpanDSP,
    *,
    tx_path: str,
    rx_path: str,
    options: FaxOptions,
    impairments: Impairments,
    law: g711.Law | None,
) -> CallOutcome:
    """Run one call and return both endpoints' reports (never raises for
    protocol failures; those are in the completion codes)."""
    states: list[int] = []
    lines: list[AudioLine] = []
    # Declared outside the try so the endpoints' C callbacks stay referenced
    # until after fax_free() in the finally block, whatever happens.
    endpoints: list[T30Endpoint] = []
    try:
        for calling in (True, False):
            state = lib.fax_init(None, int(calling))
            if not state:
                raise ModemSetupError("fax_init returned NULL")
            states.append(state)
            # Always emit a full frame (silence when idle) so both directions
            # advance in lock-step and simulated time is exact.
            lib.fax_set_transmit_on_idle(state, 1)
            lib.fax_set_tep_mode(state, int(options.use_tep))
        for state, name, path in zip(states, ("tx", "rx"), (tx_path, rx_path), strict=True):
            t30 = lib.fax_get_t30_state(state)
            endpoints.append(
                T30Endpoint(
                    lib, t30, name=name, transmitter=name == "tx", file_path=path, options=options
                )
            )
        for endpoint, state in zip(endpoints, states, strict=True):
            endpoint.attach_logging([lib.fax_get_logging_state(state)], options.log_level)
        fault = TrainingFault() if impairments.garble_training else None
        if fault is not None:
            endpoints[1].watch_frames(fault.on_receiver_frame)
        for direction in (0, 1):
            # Only the sender's signal (direction 0) is garbled while it trains.
            lines.append(
                AudioLine(lib, impairments, direction, law, fault if direction == 0 else None)
            )

        supervisor = CallSupervisor(
            (endpoints[0], endpoints[1]),
            cap_seconds=options.max_line_seconds,
            budget=options.budget,
            step_seconds=FRAME / SAMPLE_RATE,
            cut_after_pages=impairments.drop_after_pages,
            losses=tuple(line.loss for line in lines),
        )
        _exchange(lib, states, supervisor, lines)
        for endpoint in endpoints:
            endpoint.hang_up()
        return CallOutcome(
            tx=endpoints[0].report(),
            rx=endpoints[1].report(),
            timed_out=supervisor.capped,
            line_seconds=supervisor.steps * FRAME / SAMPLE_RATE,
            lost_units=sum(line.loss.lost for line in lines),
        )
    finally:
        for line in lines:
            line.close()
        for state in states:
            lib.fax_free(state)


def _exchange(
    lib: SpanDSP, states: list[int], supervisor: CallSupervisor, lines: list[AudioLine]
) -> None:
    """Pump frames until the supervisor says the call is over."""
    buffers = [(ctypes.c_int16 * FRAME)(), (ctypes.c_int16 * FRAME)()]
    fax_tx, fax_rx, fax_rx_fillin = lib.fax_tx, lib.fax_rx, lib.fax_rx_fillin
    impaired = [line.active for line in lines]
    while supervisor.keep_going():
        t = supervisor.steps * FRAME / SAMPLE_RATE
        for direction in (0, 1):
            src, dst = states[direction], states[1 - direction]
            buf = buffers[direction]
            n = fax_tx(src, buf, FRAME)
            if n < FRAME:  # only at call end; pad so the receiver's clock runs on
                ctypes.memset(ctypes.byref(buf, 2 * n), 0, 2 * (FRAME - n))
            if impaired[direction]:
                line = lines[direction]
                if line.loss.lost_at(t):
                    fax_rx_fillin(dst, FRAME)
                    continue
                line.process(buf, FRAME)
            fax_rx(dst, buf, FRAME)
        supervisor.steps += 1
