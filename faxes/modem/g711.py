"""Pure-Python G.711 A-law / mu-law codecs (no numpy, no deprecated audioop).

The scalar functions follow ITU-T G.711 exactly as spandsp 0.0.6 implements it
(``spandsp/g711.h``), so a frame squeezed through here is bit-identical to what
a spandsp-based gateway would produce.

Frame codecs are table driven so the per-sample work runs in C:

* encode: one 65,536-entry byte table indexed by the 16-bit sample pattern,
  applied with ``bytes(map(table.__getitem__, samples))``;
* decode: two 256-entry ``bytes.translate`` tables give the low and high bytes
  of each decoded sample, which are interleaved with extended-slice assignment.

Tables are built lazily (about 0.05 s each) and are immutable, so sharing them
between threads is safe.
"""

from __future__ import annotations

import enum
import functools
import sys

ULAW_BIAS = 0x84
ALAW_AMI_MASK = 0x55


class Law(enum.StrEnum):
    ALAW = "alaw"
    ULAW = "ulaw"


def _top_bit(value: int) -> int:
    return value.bit_length() - 1


def linear_to_alaw(linear: int) -> int:
    """Encode one signed 16-bit sample to an A-law octet."""
    if linear >= 0:
        mask = ALAW_AMI_MASK | 0x80
    else:
        mask = ALAW_AMI_MASK
        linear = -linear - 1
    seg = _top_bit(linear | 0xFF) - 7
    if seg >= 8:
        return 0x7F ^ mask  # clip to the largest magnitude
    shift = seg + 3 if seg else 4
    return ((seg << 4) | ((linear >> shift) & 0x0F)) ^ mask


def alaw_to_linear(alaw: int) -> int:
    """Decode one A-law octet to a signed 16-bit sample."""
    alaw ^= ALAW_AMI_MASK
    value = (alaw & 0x0F) << 4
    seg = (alaw & 0x70) >> 4
    value = (value + 0x108) << (seg - 1) if seg else value + 8
    return value if alaw & 0x80 else -value


def linear_to_ulaw(linear: int) -> int:
    """Encode one signed 16-bit sample to a mu-law octet."""
    if linear >= 0:
        linear = ULAW_BIAS + linear
        mask = 0xFF
    else:
        linear = ULAW_BIAS - linear
        mask = 0x7F
    seg = _top_bit(linear | 0xFF) - 7
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((linear >> (seg + 3)) & 0x0F)) ^ mask


def ulaw_to_linear(ulaw: int) -> int:
    """Decode one mu-law octet to a signed 16-bit sample."""
    ulaw = ~ulaw & 0xFF
    t = (((ulaw & 0x0F) << 3) + ULAW_BIAS) << ((ulaw & 0x70) >> 4)
    return ULAW_BIAS - t if ulaw & 0x80 else t - ULAW_BIAS


_SCALAR = {
    Law.ALAW: (linear_to_alaw, alaw_to_linear),
    Law.ULAW: (linear_to_ulaw, ulaw_to_linear),
}


@functools.cache
def _encode_table(law: Law) -> bytes:
    encode = _SCALAR[law][0]
    # Index is the sample's unsigned 16-bit pattern: 0..32767 then -32768..-1.
    return bytes(encode(i - 0x10000 if i & 0x8000 else i) for i in range(0x10000))


@functools.cache
def _decode_tables(law: Law) -> tuple[bytes, bytes]:
    decode = _SCALAR[law][1]
    samples = [decode(code) & 0xFFFF for code in range(256)]
    low = bytes(s & 0xFF for s in samples)
    high = bytes(s >> 8 for s in samples)
    # Native-endian int16 buffers: on big-endian hosts the high byte comes first.
    return (low, high) if sys.byteorder == "little" else (high, low)


def encode(pcm: bytes | bytearray | memoryview, law: Law) -> bytes:
    """Encode native-endian signed 16-bit PCM to G.711 octets (one per sample)."""
    samples = memoryview(pcm).cast("B").cast("H")
    return bytes(map(_encode_table(law).__getitem__, samples))


def decode(codes: bytes | bytearray | memoryview, law: Law) -> bytearray:
    """Decode G.711 octets to native-endian signed 16-bit PCM."""
    first, second = _decode_tables(law)
    data = bytes(codes)
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(first)
    out[1::2] = data.translate(second)
    return out


def roundtrip(pcm: bytes | bytearray | memoryview, law: Law) -> bytearray:
    """Encode then decode, i.e. what a G.711 trunk does to the audio."""
    return decode(encode(pcm, law), law)
