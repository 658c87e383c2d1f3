"""Line faults: noise, lost frames/packets and the simulated-time cap.

Impairments are seeded, so each scenario is deterministic for a given
libspandsp build; assertions still accept the family of plausible outcomes
rather than one exact code where spandsp could reasonably report several.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faxes.modem import CompletionCode, FaxOptions, Impairments, Mode, SpanDSP, transmit

from .helpers import assert_pixel_identical, differing_pages, requires_spandsp

pytestmark = requires_spandsp

AUDIO_MODES = [Mode.AUDIO, Mode.G711_ALAW, Mode.G711_ULAW]
# On the dense page the image phase runs from roughly 12 s to 40 s of line time.
MID_PAGE = (20.0, 21.0)


def test_mild_noise_is_tolerated(spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path) -> None:
    for mode in (Mode.AUDIO, Mode.G711_ULAW):
        out = tmp_path / f"{mode}.tif"
        result = transmit(
            docs["fine_letter"],
            mode=mode,
            impairments=Impairments(noise_dbm0=-60, seed=3),
            received_tiff=out,
            library=spandsp,
        )
        assert result.success, result
        assert_pixel_identical(docs["fine_letter"], out)


def test_noise_near_detector_threshold_fails_training(
    spandsp: SpanDSP, docs: dict[str, Path]
) -> None:
    cap = 120.0
    result = transmit(
        docs["fine_letter"],
        mode=Mode.AUDIO,
        options=FaxOptions(ecm=False, max_line_seconds=cap),
        impairments=Impairments(noise_dbm0=-47, seed=1),
        library=spandsp,
    )
    assert not result.success
    assert result.pages_received == 0
    assert not result.timed_out
    assert result.completion_code in {
        CompletionCode.CANNOT_TRAIN,
        CompletionCode.TX_BADDCS,  # "received bad response to DCS or training"
        CompletionCode.TX_PHBDEAD,
        CompletionCode.UNEXPECTED,
    }
    assert result.error_code == 5100 + result.completion_code
    assert result.line_seconds < cap


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.G711_ALAW])
def test_heavy_noise_never_completes_and_is_capped(
    spandsp: SpanDSP, docs: dict[str, Path], mode: Mode
) -> None:
    started = time.perf_counter()
    result = transmit(
        docs["fine_letter"],
        mode=mode,
        options=FaxOptions(max_line_seconds=60),
        impairments=Impairments(noise_dbm0=-30, seed=1),
        library=spandsp,
    )
    assert time.perf_counter() - started < 10
    assert result.timed_out
    assert not result.success
    assert result.line_seconds == pytest.approx(60)
    assert result.completion_code == CompletionCode.CALLDROPPED
    assert result.error_code == 5149
    assert result.received_tiff is None


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.G711_ALAW, Mode.T38])
def test_outage_mid_page_is_repaired_by_ecm(
    spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path, mode: Mode
) -> None:
    clean = transmit(docs["dense"], mode=mode, received_tiff=tmp_path / "a.tif", library=spandsp)
    hit = transmit(
        docs["dense"],
        mode=mode,
        impairments=Impairments(drop_between=MID_PAGE),
        received_tiff=tmp_path / "b.tif",
        library=spandsp,
    )
    assert clean.success and hit.success, hit
    assert hit.lost_units > 0
    assert hit.ecm_used
    # The lost ECM frames were resent, which costs line time...
    assert hit.line_seconds > clean.line_seconds
    # ...and the page still arrives intact.
    assert_pixel_identical(docs["dense"], hit.received_tiff)


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.G711_ULAW, Mode.T38])
def test_outage_mid_page_without_ecm_damages_page(
    spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path, mode: Mode
) -> None:
    result = transmit(
        docs["dense"],
        mode=mode,
        options=FaxOptions(ecm=False),
        impairments=Impairments(drop_between=MID_PAGE),
        received_tiff=tmp_path / "rx.tif",
        library=spandsp,
    )
    assert result.lost_units > 0
    # Partial or failed: T.30 may still accept the page, but it is damaged.
    assert not result.success or result.damaged, result
    if result.received_tiff is not None:
        assert differing_pages(docs["dense"], result.received_tiff) == [0]


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
def test_long_outage_mid_page_fails_the_call(
    spandsp: SpanDSP, docs: dict[str, Path], mode: Mode
) -> None:
    result = transmit(
        docs["dense"],
        mode=mode,
        impairments=Impairments(drop_between=(20.0, 60.0)),
        library=spandsp,
    )
    assert not result.success
    assert result.pages_received == 0
    assert not result.timed_out  # T.30's own timers end it, well before the cap
    assert result.error_code is not None and 5101 <= result.error_code <= 5161


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
def test_heavy_random_loss_fails_and_is_reproducible(
    spandsp: SpanDSP, docs: dict[str, Path], mode: Mode
) -> None:
    impairments = Impairments(drop_rate=0.05, seed=1)
    first = transmit(docs["dense"], mode=mode, impairments=impairments, library=spandsp)
    second = transmit(docs["dense"], mode=mode, impairments=impairments, library=spandsp)
    assert not first.success
    assert first.lost_units > 0
    assert (first.completion_code, first.lost_units, first.line_seconds) == (
        second.completion_code,
        second.lost_units,
        second.line_seconds,
    )


@pytest.mark.parametrize("mode", list(Mode))
def test_tiny_cap_times_out_quickly(spandsp: SpanDSP, docs: dict[str, Path], mode: Mode) -> None:
    started = time.perf_counter()
    result = transmit(
        docs["fine_a4"], mode=mode, options=FaxOptions(max_line_seconds=2), library=spandsp
    )
    assert time.perf_counter() - started < 1
    assert result.timed_out
    assert not result.success
    assert result.line_seconds == pytest.approx(2.0)
    assert result.completion_code == CompletionCode.CALLDROPPED
    assert result.pages_received == 0
    assert result.received_tiff is None


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
@pytest.mark.parametrize("ecm", [True, False])
def test_line_dead_after_first_page_is_a_partial_send(
    spandsp: SpanDSP, docs: dict[str, Path], mode: Mode, ecm: bool
) -> None:
    result = transmit(
        docs["fine_a4"],  # 3 pages
        mode=mode,
        options=FaxOptions(ecm=ecm),
        impairments=Impairments(drop_after_pages=1),
        library=spandsp,
    )
    assert not result.success and not result.timed_out
    assert result.pages_sent == 1 and result.pages_received == 1
    assert result.error_code is not None and 5101 <= result.error_code <= 5161


def test_drop_after_pages_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Impairments(drop_after_pages=0)


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
def test_receiver_without_fine_resolution_refuses_a_fine_fax(
    spandsp: SpanDSP, docs: dict[str, Path], mode: Mode
) -> None:
    from faxes.modem import Resolution

    options = FaxOptions(receiver_resolutions=Resolution.STANDARD)
    refused = transmit(docs["fine_a4"], mode=mode, options=options, library=spandsp)
    assert not refused.success and refused.completion_code == CompletionCode.NORESSUPPORT
    assert refused.error_code == 5111 and refused.pages_sent == 0
    accepted = transmit(docs["standard_letter"], mode=mode, options=options, library=spandsp)
    assert accepted.success and accepted.pages_received == 2


@pytest.mark.parametrize("mode", [*AUDIO_MODES, Mode.T38])
@pytest.mark.parametrize("ecm", [False, True])
def test_garbled_training_fails_phase_b_the_same_way_for_every_document(
    spandsp: SpanDSP, docs: dict[str, Path], mode: Mode, ecm: bool
) -> None:
    expected = CompletionCode.TX_BADDCS if mode is Mode.T38 else CompletionCode.TX_PHBDEAD
    for name in ("fine_letter", "fine_a4"):
        result = transmit(
            docs[name],
            mode=mode,
            options=FaxOptions(ecm=ecm, tx_ident="+12025550110"),
            impairments=Impairments(garble_training=True),
            library=spandsp,
        )
        assert result.completion_code == expected, (name, result)
        assert result.pages_sent == 0 and not result.timed_out
        assert result.line_seconds < 60  # T.30's own retries end it, not the cap
