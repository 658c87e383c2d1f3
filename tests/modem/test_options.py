from __future__ import annotations

import pytest

from faxes.modem import Compression, FaxOptions, Impairments, Modem, TransmissionResult


@pytest.mark.parametrize(
    "bad",
    [
        {"tx_ident": "x" * 21},
        {"rx_ident": "caf\u00e9"},
        {"modems": Modem(0)},
        {"compressions": Compression(0)},
        {"max_line_seconds": 0},
        {"max_line_seconds": float("inf")},
        {"log_level": 11},
    ],
)
def test_invalid_options_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FaxOptions(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"noise_dbm0": 20.0},
        {"drop_rate": 1.5},
        {"drop_between": (10.0, 5.0)},
        {"drop_between": (-1.0, 5.0)},
    ],
)
def test_invalid_impairments_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Impairments(**bad)  # type: ignore[arg-type]


def test_defaults() -> None:
    options = FaxOptions()
    assert options.ecm is True
    assert options.modems == Modem.V17 | Modem.V29 | Modem.V27TER
    assert options.compressions == Compression.T4_1D | Compression.T4_2D | Compression.T6
    assert not Impairments().active
    assert Impairments(drop_rate=0.1).active


def test_result_is_frozen_and_maps_error_code() -> None:
    fields = TransmissionResult.__dataclass_fields__
    values = dict.fromkeys(fields, 0)
    values.update(mode="audio", completion_code=6, received_tiff=None, completion_text="x")
    result = TransmissionResult(**values)  # type: ignore[arg-type]
    assert result.error_code == 5106
    with pytest.raises(AttributeError):
        result.success = True  # type: ignore[misc]
