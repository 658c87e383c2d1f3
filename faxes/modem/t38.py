"""Back-to-back T.38 fax: two ``t38_terminal_state_t`` exchanging IFP packets.

Each terminal's tx packet handler hands its packet to the other terminal's
``t38_core_rx_ifp_packet``. Delivery is deferred until the sending terminal's
``t38_terminal_send_timeout`` call has returned, as spandsp's own
t38_terminal tests do: delivering from inside the callback re-enters the
peer, whose reply would in turn re-enter the sender while it is still inside
its own send routine. 0.0.6 happens to tolerate that, but nothing promises
it, and the deferral adds only a realistic <= 20 ms packetisation delay.
Packets wait at most one step, so memory stays flat.

Time advances only through ``t38_terminal_send_timeout`` (in samples); pacing
is left on so image data takes as long as it would on a real modem and
simulated line time is comparable with audio mode.
"""

from __future__ import annotations

import ctypes
from collections import deque

from .endpoint import CallOutcome, CallSupervisor, T30Endpoint, TrainingFault
from .errors import ModemSetupError
from .library import T38_TX_PACKET_HANDLER, SpanDSP
from .line import SAMPLE_RATE, PacketLoss
from .options import FaxOptions, Impairments

STEP = 160  # samples per time step (20 ms), same granularity as audio mode


class _Direction:
    """Sequence numbering, loss and queueing for packets one way."""

    def __init__(
        self, impairments: Impairments, direction: int, fault: TrainingFault | None = None
    ) -> None:
        self.loss = PacketLoss(impairments, direction)
        self.fault = fault  # while open, fast-modem packets this way are lost
        self.queue: deque[tuple[int, bytes]] = deque()
        self.seq = 0
        self.now = 0.0
        self.error: BaseException | None = None

    def handler(self, _core: int, _user: int, buf: object, length: int, count: int) -> int:
        try:
            seq = self.seq
            self.seq = (seq + 1) & 0xFFFF  # T.38 sequence numbers are 16 bit
            if self.fault is not None and self.fault.open and _fast_modem(buf):
                return 0
            if not self.loss.lost_at(self.now, count):
                self.queue.append((seq, ctypes.string_at(buf, length)))  # type: ignore[arg-type]
        except BaseException as exc:  # never propagate into C
            self.error = exc
        return 0


def _fast_modem(buf: object) -> bool:
    """Whether an IFP packet is a fast modem's (training indicator or image/TCF data), not
    V.21 signalling. First octet: data packets are 0b11tttttx with t the data type (0 =
    V.21); indicators are 0b0iiiiiix with i >= 4 for the V.27ter/V.29/V.17 trainings."""
    first = ctypes.string_at(buf, 1)[0]  # type: ignore[arg-type]
    if first & 0xC0 == 0xC0:
        return bool(first & 0x3E)
    return first < 0x80 and first >> 1 >= 4


def run_t38_call(
    lib: SpanDSP,
    *,
    tx_path: str,
    rx_path: str,
    options: FaxOptions,
    impairments: Impairments,
) -> CallOutcome:
    fault = TrainingFault() if impairments.garble_training else None
    directions = (_Direction(impairments, 0, fault), _Direction(impairments, 1))
    # Keep the trampolines referenced for as long as the terminals exist.
    callbacks = tuple(T38_TX_PACKET_HANDLER(d.handler) for d in directions)
    terminals: list[int] = []
    endpoints: list[T30Endpoint] = []  # holds phase D/E callbacks past the free
    try:
        for calling, callback in zip((True, False), callbacks, strict=True):
            term = lib.t38_terminal_init(None, int(calling), callback, None)
            if not term:
                raise ModemSetupError("t38_terminal_init returned NULL")
            terminals.append(term)
            lib.t38_terminal_set_config(term, 0)  # paced, with indicators
            lib.t38_terminal_set_tep_mode(term, int(options.use_tep))
        for term, name, path in zip(terminals, ("tx", "rx"), (tx_path, rx_path), strict=True):
            t30 = lib.t38_terminal_get_t30_state(term)
            endpoints.append(
                T30Endpoint(
                    lib, t30, name=name, transmitter=name == "tx", file_path=path, options=options
                )
            )
        if fault is not None:
            endpoints[1].watch_frames(fault.on_receiver_frame)
        cores = [lib.t38_terminal_get_t38_core_state(term) for term in terminals]
        for endpoint, term, core in zip(endpoints, terminals, cores, strict=True):
            endpoint.attach_logging(
                [lib.t38_terminal_get_logging_state(term), lib.t38_core_get_logging_state(core)],
                options.log_level,
            )

        supervisor = CallSupervisor(
            (endpoints[0], endpoints[1]),
            cap_seconds=options.max_line_seconds,
            budget=options.budget,
            step_seconds=STEP / SAMPLE_RATE,
            cut_after_pages=impairments.drop_after_pages,
            losses=tuple(d.loss for d in directions),
        )
        _exchange(lib, terminals, cores, supervisor, directions)
        for endpoint in endpoints:
            endpoint.hang_up()
        for direction in directions:
            if direction.error is not None:
                raise direction.error
        return CallOutcome(
            tx=endpoints[0].report(),
            rx=endpoints[1].report(),
            timed_out=supervisor.capped,
            line_seconds=supervisor.steps * STEP / SAMPLE_RATE,
            lost_units=sum(d.loss.lost for d in directions),
        )
    finally:
        for term in terminals:
            lib.t38_terminal_free(term)


def _exchange(
    lib: SpanDSP,
    terminals: list[int],
    cores: list[int],
    supervisor: CallSupervisor,
    directions: tuple[_Direction, _Direction],
) -> None:
    send_timeout, rx_ifp = lib.t38_terminal_send_timeout, lib.t38_core_rx_ifp_packet
    while supervisor.keep_going():
        now = supervisor.steps * STEP / SAMPLE_RATE
        for index in (0, 1):
            directions[index].now = now
            send_timeout(terminals[index], STEP)
        for index in (0, 1):
            queue, peer_core = directions[index].queue, cores[1 - index]
            while queue:
                seq, packet = queue.popleft()
                rx_ifp(peer_core, packet, len(packet), seq)
        supervisor.steps += 1
