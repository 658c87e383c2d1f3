from __future__ import annotations

import array
import ctypes
import random

import pytest

from faxes.modem import g711
from faxes.modem.g711 import Law

from .helpers import requires_spandsp

ALL_SAMPLES = array.array("h", range(-32768, 32768))


def test_known_code_points() -> None:
    assert g711.linear_to_ulaw(0) == 0xFF
    assert g711.linear_to_alaw(0) == 0xD5
    assert g711.ulaw_to_linear(0xFF) == 0
    assert g711.alaw_to_linear(0xD5) == 8
    assert g711.linear_to_ulaw(32767) == 0x80
    assert g711.linear_to_ulaw(-32768) == 0x00
    assert g711.linear_to_alaw(32767) == 0xAA
    assert g711.linear_to_alaw(-32768) == 0x2A


@pytest.mark.parametrize("law", list(Law))
def test_frame_codec_matches_scalar_reference(law: Law) -> None:
    encode_one, decode_one = {
        Law.ALAW: (g711.linear_to_alaw, g711.alaw_to_linear),
        Law.ULAW: (g711.linear_to_ulaw, g711.ulaw_to_linear),
    }[law]
    codes = g711.encode(ALL_SAMPLES.tobytes(), law)
    assert list(codes) == [encode_one(s) for s in ALL_SAMPLES]
    decoded = array.array("h", bytes(g711.decode(bytes(range(256)), law)))
    assert list(decoded) == [decode_one(c) for c in range(256)]


@pytest.mark.parametrize("law", list(Law))
def test_roundtrip_is_idempotent_and_close(law: Law) -> None:
    rng = random.Random(7)
    frame = array.array("h", (rng.randint(-32768, 32767) for _ in range(160)))
    once = g711.roundtrip(frame.tobytes(), law)
    assert g711.roundtrip(once, law) == once
    out = array.array("h", bytes(once))
    for original, coded in zip(frame, out, strict=True):
        # Logarithmic quantiser: error grows with magnitude (<= ~1/32 + floor).
        assert abs(original - coded) <= max(abs(original) / 16, 16)


@requires_spandsp
@pytest.mark.parametrize(("law", "mode"), [(Law.ALAW, 0), (Law.ULAW, 1)])
def test_bit_exact_with_spandsp(law: Law, mode: int) -> None:
    from faxes.modem import load_spandsp

    # A private handle so these test-only declarations don't touch the shared one.
    cdll = ctypes.CDLL(load_spandsp().path)
    cdll.g711_init.restype = ctypes.c_void_p
    cdll.g711_init.argtypes = (ctypes.c_void_p, ctypes.c_int)
    cdll.g711_encode.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
    cdll.g711_decode.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
    cdll.g711_free.argtypes = (ctypes.c_void_p,)
    state = cdll.g711_init(None, mode)
    try:
        n = len(ALL_SAMPLES)
        encoded = ctypes.create_string_buffer(n)
        cdll.g711_encode(state, encoded, ALL_SAMPLES.tobytes(), n)
        assert g711.encode(ALL_SAMPLES.tobytes(), law) == encoded.raw
        decoded = ctypes.create_string_buffer(512)
        cdll.g711_decode(state, decoded, bytes(range(256)), 256)
        assert bytes(g711.decode(bytes(range(256)), law)) == decoded.raw
    finally:
        cdll.g711_free(state)
