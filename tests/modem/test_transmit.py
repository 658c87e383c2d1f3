from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

import pytest

from faxes.modem import (
    CompletionCode,
    Compression,
    FaxOptions,
    Impairments,
    Mode,
    Modem,
    SpanDSP,
    transmit,
)

from .helpers import assert_pixel_identical, load_pages, requires_spandsp

pytestmark = requires_spandsp

TSI = "+1 555 0100"
CSI = "+44 20 7946 0999"


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("ecm", [True, False], ids=["ecm", "no-ecm"])
@pytest.mark.parametrize("doc", ["fine_a4", "standard_letter"])
def test_pages_arrive_pixel_identical(
    spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path, mode: Mode, ecm: bool, doc: str
) -> None:
    sent = docs[doc]
    out = tmp_path / "rx.tif"
    result = transmit(
        sent,
        mode=mode,
        options=FaxOptions(tx_ident=TSI, rx_ident=CSI, ecm=ecm),
        received_tiff=out,
        library=spandsp,
    )
    assert result.success, result
    assert result.completion_code == 0
    assert result.completion_text == "OK"
    assert result.error_code is None
    assert not result.timed_out
    assert result.mode is mode
    pages = len(load_pages(sent))
    assert result.pages_in_file == pages
    assert result.pages_sent == result.pages_received == pages
    assert result.ecm_used is ecm
    assert result.bit_rate == 14400
    assert result.bad_rows == 0
    assert result.missing_rows == 0
    assert not result.damaged
    # Each side sees the other's ident: the sender sees the CSI, the receiver the TSI.
    assert result.tx_remote_ident == CSI
    assert result.rx_remote_ident == TSI
    assert 5 < result.line_seconds < 300
    assert result.received_tiff == out
    assert_pixel_identical(sent, out)


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
@pytest.mark.parametrize(
    ("modems", "rate"), [(Modem.V29, 9600), (Modem.V27TER, 4800), (Modem.V17 | Modem.V29, 14400)]
)
def test_modem_set_limits_bit_rate(
    spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path, mode: Mode, modems: Modem, rate: int
) -> None:
    result = transmit(
        docs["fine_letter"],
        mode=mode,
        options=FaxOptions(modems=modems, ecm=False),
        received_tiff=tmp_path / "rx.tif",
        library=spandsp,
    )
    assert result.success, result
    assert result.bit_rate == rate
    assert_pixel_identical(docs["fine_letter"], result.received_tiff)


def test_slower_modem_takes_longer_on_the_line(spandsp: SpanDSP, docs: dict[str, Path]) -> None:
    fast = transmit(docs["dense"], options=FaxOptions(modems=Modem.V17), library=spandsp)
    slow = transmit(docs["dense"], options=FaxOptions(modems=Modem.V27TER), library=spandsp)
    try:
        assert fast.success and slow.success
        assert slow.line_seconds > 2 * fast.line_seconds
    finally:
        for result in (fast, slow):
            if result.received_tiff:
                result.received_tiff.unlink()


@pytest.mark.parametrize(
    ("compressions", "ecm"),
    [
        (Compression.T4_1D, False),
        (Compression.T4_1D | Compression.T4_2D, False),
        (Compression.T6, True),
    ],
)
def test_restricted_compressions(
    spandsp: SpanDSP,
    docs: dict[str, Path],
    tmp_path: Path,
    compressions: Compression,
    ecm: bool,
) -> None:
    result = transmit(
        docs["standard_a4_g3"],
        mode=Mode.T38,
        options=FaxOptions(compressions=compressions, ecm=ecm),
        received_tiff=tmp_path / "rx.tif",
        library=spandsp,
    )
    assert result.success, result
    assert_pixel_identical(docs["standard_a4_g3"], result.received_tiff)


def test_default_output_is_a_temp_file_owned_by_caller(
    spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = transmit(docs["fine_letter"], mode=Mode.T38, library=spandsp)
    assert result.received_tiff is not None
    assert result.received_tiff.parent == tmp_path
    assert_pixel_identical(docs["fine_letter"], result.received_tiff)
    result.received_tiff.unlink()
    # A failed call leaves nothing behind.
    failed = transmit(docs["fine_letter"], options=FaxOptions(max_line_seconds=3), library=spandsp)
    assert failed.received_tiff is None
    assert list(tmp_path.iterdir()) == []


def test_missing_input_reports_file_error(spandsp: SpanDSP, tmp_path: Path) -> None:
    result = transmit(tmp_path / "nope.tif", mode=Mode.T38, library=spandsp)
    assert not result.success
    assert result.completion_code == CompletionCode.FILEERROR
    assert result.error_code == 5141
    assert result.pages_received == 0
    assert result.received_tiff is None


def test_noise_is_rejected_in_t38_mode(spandsp: SpanDSP, docs: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="audio modes only"):
        transmit(
            docs["fine_letter"],
            mode=Mode.T38,
            impairments=Impairments(noise_dbm0=-50),
            library=spandsp,
        )


def test_concurrent_transmissions_in_threads(spandsp: SpanDSP, docs: dict[str, Path]) -> None:
    results: dict[Mode, object] = {}

    def worker(mode: Mode) -> None:
        results[mode] = transmit(
            docs["fine_a4"],
            mode=mode,
            options=FaxOptions(tx_ident=mode.value[:20]),
            library=spandsp,
        )

    threads = [threading.Thread(target=worker, args=(mode,)) for mode in Mode]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) == set(Mode)
    for mode, result in results.items():
        assert result.success, result  # type: ignore[attr-defined]
        assert result.rx_remote_ident == mode.value[:20]  # type: ignore[attr-defined]
        assert_pixel_identical(docs["fine_a4"], result.received_tiff)  # type: ignore[attr-defined]
        result.received_tiff.unlink()  # type: ignore[attr-defined]


def test_spandsp_log_lines_reach_python_logging(
    spandsp: SpanDSP, docs: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="faxes.modem.spandsp"):
        result = transmit(
            docs["fine_letter"],
            mode=Mode.T38,
            options=FaxOptions(log_level=5),
            received_tiff=tmp_path / "rx.tif",
            library=spandsp,
        )
    assert result.success
    messages = [r.getMessage() for r in caplog.records if r.name == "faxes.modem.spandsp"]
    assert any(m.startswith("[tx]") for m in messages)
    assert any(m.startswith("[rx]") for m in messages)
