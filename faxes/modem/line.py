"""Simulated line between two endpoints: frame loss, noise and G.711 coding.

One :class:`AudioLine` / :class:`PacketLoss` per direction, each with its own
seeded RNG, so runs are reproducible and the two directions are independent.
Nothing here keeps audio beyond the frame being processed.
"""

from __future__ import annotations

import ctypes
import operator
import random

from . import g711
from .library import SpanDSP
from .options import Impairments

SAMPLE_RATE = 8000
# Noise on the sender's training when Impairments.garble_training: 6 dB below spandsp's
# -14 dBm0 signal, far too much for any fast modem to train (V.21 signalling is not hit).
TRAINING_NOISE_DBM0 = -20.0


class PacketLoss:
    """Decides whether a frame/packet sent at simulated time ``t`` is lost."""

    def __init__(self, impairments: Impairments, direction: int) -> None:
        self._rate = impairments.drop_rate
        self._window = impairments.drop_between
        # Distinct, reproducible stream per direction.
        self._rng = random.Random(impairments.seed * 2 + direction)
        self._may_be_cut = impairments.drop_after_pages is not None
        self._cut = False
        self.lost = 0

    @property
    def enabled(self) -> bool:
        return bool(self._rate or self._window or self._may_be_cut)

    def cut(self) -> None:
        """From now on every frame/packet is lost (the line went dead)."""
        self._cut = True

    def lost_at(self, t: float, copies: int = 1) -> bool:
        lost = False
        if self._cut or (self._window is not None and self._window[0] <= t < self._window[1]):
            lost = True
        elif self._rate:
            # Redundant copies (T.38 indicator repeats) all have to be lost.
            lost = all(self._rng.random() < self._rate for _ in range(max(copies, 1)))
        if lost:
            self.lost += 1
        return lost


class AudioLine:
    """Applies noise and G.711 coding to one direction's 16-bit PCM frames.

    The frame is modified in place in the caller's ctypes buffer, which is
    then handed straight to ``fax_rx`` - no audio is accumulated.
    """

    def __init__(
        self,
        lib: SpanDSP,
        impairments: Impairments,
        direction: int,
        law: g711.Law | None,
        training_fault=None,
    ) -> None:
        self._lib = lib
        self._law = law
        self.loss = PacketLoss(impairments, direction)
        self._awgn = 0
        # endpoint.TrainingFault: while it is open this direction is drowned in noise.
        self._fault = training_fault
        self._fault_awgn = 0
        if training_fault is not None:
            self._fault_awgn = lib.awgn_init_dbm0(None, 1 + direction, TRAINING_NOISE_DBM0)
            if not self._fault_awgn:
                raise MemoryError("awgn_init_dbm0 failed")
        if impairments.noise_dbm0 is not None:
            # spandsp's generator is calibrated in dBm0, which is what line
            # noise specs use. Its seed is a C int; keep it positive/in range.
            seed = 1 + (impairments.seed * 2 + direction) % (2**31 - 2)
            self._awgn = lib.awgn_init_dbm0(None, seed, impairments.noise_dbm0)
            if not self._awgn:
                raise MemoryError("awgn_init_dbm0 failed")

    @property
    def active(self) -> bool:
        """False when the line is a perfect wire (lets the hot loop skip it)."""
        return bool(
            self._awgn or self._fault is not None or self._law is not None or self.loss.enabled
        )

    def close(self) -> None:
        if self._awgn:
            self._lib.awgn_free(self._awgn)
            self._awgn = 0
        if self._fault_awgn:
            self._lib.awgn_free(self._fault_awgn)
            self._fault_awgn = 0

    def _add_noise(self, state: int, frame: ctypes.Array[ctypes.c_int16], n: int) -> None:
        awgn = self._lib.awgn
        summed = list(map(operator.add, frame[:n], [awgn(state) for _ in range(n)]))
        if max(summed) > 32767 or min(summed) < -32768:
            summed = [min(32767, max(-32768, v)) for v in summed]
        frame[:n] = summed

    def process(self, frame: ctypes.Array[ctypes.c_int16], n: int) -> None:
        """Impair ``frame[:n]`` in place (noise first: it is picked up on the
        analogue loop, before the digital trunk's G.711 coder)."""
        if self._awgn:
            self._add_noise(self._awgn, frame, n)
        if self._fault is not None and self._fault.open:
            self._add_noise(self._fault_awgn, frame, n)
        if self._law is not None:
            raw = memoryview(frame).cast("B")[: 2 * n]
            raw[:] = g711.roundtrip(raw, self._law)
