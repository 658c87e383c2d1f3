"""The line-time model and the call cap it sizes: proportional to what the call carries at
the bit rate actually negotiated, with a floor, not a fixed time per page."""

from __future__ import annotations

from pathlib import Path

import pytest

from faxes.modem import (
    FaxOptions,
    LineBudget,
    Modem,
    SpanDSP,
    call_seconds,
    page_seconds,
    tiff_page_bytes,
    transmit,
)
from faxes.modem.linetime import CALL_FLOOR_SECONDS

from .helpers import requires_spandsp


def test_line_time_follows_the_data_and_the_bit_rate():
    assert page_seconds(0) == pytest.approx(3.3)
    assert page_seconds(322_000) == pytest.approx(200, rel=0.05)  # a halftoned photo
    assert page_seconds(322_000, 4_800) > 2.5 * page_seconds(322_000, 14_400)
    assert call_seconds([0, 0, 0]) == pytest.approx(12 + 3 * 3.3)


def test_the_cap_has_a_floor_and_grows_as_the_line_slows_down():
    short = LineBudget((1_000,))
    assert short.cap_seconds(14_400) == CALL_FLOOR_SECONDS
    photo = LineBudget((322_000,))
    assert photo.cap_seconds(14_400) == pytest.approx(2 * call_seconds((322_000,)))
    assert photo.cap_seconds(2_400) > 5 * photo.cap_seconds(14_400)
    with pytest.raises(ValueError):
        LineBudget((-1,))


@requires_spandsp
def test_the_budget_caps_the_call(spandsp: SpanDSP, docs: dict[str, Path]) -> None:
    # A budget claiming an empty page, with no floor to hide behind, cuts the dense page.
    tight = LineBudget((0,), floor_seconds=1, factor=1)
    cut = transmit(docs["dense"], options=FaxOptions(budget=tight), library=spandsp)
    assert cut.timed_out and not cut.success
    assert cut.line_seconds == pytest.approx(call_seconds((0,)), abs=0.05)
    # Its real size gets it through.
    fair = LineBudget(tiff_page_bytes(docs["dense"]), floor_seconds=1, factor=1.2)
    assert transmit(docs["dense"], options=FaxOptions(budget=fair), library=spandsp).success


@requires_spandsp
def test_the_cap_follows_the_negotiated_bit_rate(spandsp: SpanDSP, docs: dict[str, Path]) -> None:
    # Only V.27ter (4,800 bit/s): three times the 14,400 bit/s line time, and a cap sized
    # from the real rate still lets the call finish.
    sizes = tiff_page_bytes(docs["dense"])
    budget = LineBudget(sizes, floor_seconds=1, factor=1.2)
    slow = transmit(
        docs["dense"], options=FaxOptions(modems=Modem.V27TER, budget=budget), library=spandsp
    )
    assert slow.success and slow.bit_rate == 4_800, slow
    assert slow.line_seconds > budget.cap_seconds(14_400)  # a 14,400-sized cap would cut it
