from __future__ import annotations

import pytest

from faxes.modem import CompletionCode, error_code_for, error_description_for

from .helpers import requires_spandsp


def test_success_has_no_error_code() -> None:
    assert error_code_for(0) is None
    assert error_code_for(CompletionCode.OK) is None


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        (CompletionCode.CEDTONE, 5101),
        (CompletionCode.CANNOT_TRAIN, 5106),
        (CompletionCode.TX_BADDCS, 5114),
        (CompletionCode.FILEERROR, 5141),
        (CompletionCode.CALLDROPPED, 5149),
        (CompletionCode.CSA_UNACCEPTABLE, 5161),
    ],
)
def test_failure_codes_are_offset_by_5100(completion: int, expected: int) -> None:
    assert error_code_for(completion) == expected


@pytest.mark.parametrize("unknown", [-1, 62, 1000])
def test_unknown_completion_codes_map_to_unknown_failure(unknown: int) -> None:
    assert error_code_for(unknown) == 5100
    assert error_description_for(5100) == "unknown fax failure"


def test_descriptions_follow_voxtelesys_table() -> None:
    assert error_description_for(5101) == "the CED tone exceeded 5s"
    assert error_description_for(5106) == "failed to train with any of the compatible modems"
    assert error_description_for(5120) == "received no response to DCS, training or TCF"
    assert error_description_for(5141) == "TIFF/F file cannot be opened"
    assert error_description_for(5161) == (
        "far end's called subscriber internet address is not acceptable"
    )
    for code in range(1, 62):
        assert error_description_for(error_code_for(code))  # every code has text
    with pytest.raises(ValueError):
        error_description_for(5162)


@requires_spandsp
def test_enum_matches_spandsp_texts() -> None:
    from faxes.modem import load_spandsp

    lib = load_spandsp()
    assert lib.completion_text(CompletionCode.OK) == "OK"
    assert lib.completion_text(CompletionCode.CEDTONE) == "The CED tone exceeded 5s"
    assert lib.completion_text(CompletionCode.CALLDROPPED) == "The call dropped prematurely"
    # Wherever spandsp's wording matches the Voxtelesys table, the numbering agrees.
    same = [
        code
        for code in CompletionCode
        if code and lib.completion_text(code).lower() == error_description_for(5100 + code).lower()
    ]
    assert len(same) == 61 - 12  # codes 20 and 51..61 are worded differently
