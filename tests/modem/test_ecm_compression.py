"""ECM and T.6 through the software modem: the sender codes T.6 (MMR) when the far end
offers ECM and T.6, else T.4 2-D (MR), else T.4 1-D (MH), and the result says which.
Both directions are limited in turn: what the receiver offers, and what the sender has."""

from __future__ import annotations

from pathlib import Path

import pytest

from faxes.modem import Compression, FaxOptions, Mode, SpanDSP, transmit
from faxes.modem.options import compression_of

from .helpers import assert_pixel_identical, requires_spandsp

pytestmark = requires_spandsp

ALL = Compression.T4_1D | Compression.T4_2D | Compression.T6
CASES = [
    # (options, ECM used, coding used)
    pytest.param({}, True, Compression.T6, id="both-offer-ecm-and-t6"),
    pytest.param({"receiver_ecm": False}, False, Compression.T4_2D, id="receiver-without-ecm"),
    pytest.param(
        {"receiver_compressions": Compression.T4_1D}, True, Compression.T4_1D, id="receiver-mh-only"
    ),
    pytest.param(
        {"receiver_compressions": Compression.T4_1D | Compression.T4_2D},
        True,
        Compression.T4_2D,
        id="receiver-without-t6",
    ),
    pytest.param(
        {"ecm": False, "receiver_ecm": True}, False, Compression.T4_2D, id="sender-no-ecm"
    ),
    pytest.param(
        {"compressions": Compression.T4_1D, "receiver_compressions": ALL},
        True,
        Compression.T4_1D,
        id="sender-mh-only",
    ),
    pytest.param(
        {"compressions": Compression.T4_1D | Compression.T4_2D, "receiver_compressions": ALL},
        True,
        Compression.T4_2D,
        id="sender-without-t6",
    ),
]


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
@pytest.mark.parametrize(("options", "ecm", "coding"), CASES)
def test_the_coding_follows_what_both_ends_offer(
    spandsp: SpanDSP,
    docs: dict[str, Path],
    tmp_path: Path,
    mode: Mode,
    options: dict,
    ecm: bool,
    coding: Compression,
) -> None:
    result = transmit(
        docs["fine_letter"],
        mode=mode,
        options=FaxOptions(**options),
        received_tiff=tmp_path / "rx.tif",
        library=spandsp,
    )
    assert result.success, result
    assert result.ecm_used is ecm
    assert result.compression == coding
    assert_pixel_identical(docs["fine_letter"], result.received_tiff)


def test_no_page_sent_means_no_coding(spandsp: SpanDSP, tmp_path: Path) -> None:
    result = transmit(tmp_path / "missing.tif", mode=Mode.T38, library=spandsp)
    assert not result.success and result.compression is None


def test_encoding_values_of_the_library_are_the_ones_mapped(spandsp: SpanDSP) -> None:
    # t30_stats_t.encoding holds T4_COMPRESSION_*; the library names them.
    names = {n: spandsp.t4_encoding_to_str(n).decode() for n in (1, 2, 3)}
    assert names == {1: "T.4 1-D", 2: "T.4 2-D", 3: "T.6"}
    assert [compression_of(n) for n in (0, 1, 2, 3)] == [
        None,
        Compression.T4_1D,
        Compression.T4_2D,
        Compression.T6,
    ]


@pytest.mark.parametrize(
    "bad", [{"receiver_compressions": Compression(0x10)}, {"receiver_image_sizes": 0x20000}]
)
def test_bad_receiver_capabilities_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        FaxOptions(**bad)
