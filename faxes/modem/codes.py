"""spandsp 0.0.6 T.30 completion codes and the Voxtelesys fax error mapping.

Voxtelesys reports fax failures as 5100 + the spandsp T.30 phase E completion
code: 5101 "the CED tone exceeded 5s" is ``T30_ERR_CEDTONE`` (1), ..., 5161 is
``T30_ERR_CSA_UNACCEPTABLE`` (61); 5100 itself is "unknown fax failure".
"""

from __future__ import annotations

import enum

VOXTELESYS_BASE = 5100
VOXTELESYS_UNKNOWN = 5100


class CompletionCode(enum.IntEnum):
    """``T30_ERR_*`` from spandsp 0.0.6 ``spandsp/t30.h`` (same order/values)."""

    OK = 0
    CEDTONE = 1
    T0_EXPIRED = 2
    T1_EXPIRED = 3
    T3_EXPIRED = 4
    HDLC_CARRIER = 5
    CANNOT_TRAIN = 6
    OPER_INT_FAIL = 7
    INCOMPATIBLE = 8
    RX_INCAPABLE = 9
    TX_INCAPABLE = 10
    NORESSUPPORT = 11
    NOSIZESUPPORT = 12
    UNEXPECTED = 13
    TX_BADDCS = 14
    TX_BADPG = 15
    TX_ECMPHD = 16
    TX_GOTDCN = 17
    TX_INVALRSP = 18
    TX_NODIS = 19
    TX_PHBDEAD = 20
    TX_PHDDEAD = 21
    TX_T5EXP = 22
    RX_ECMPHD = 23
    RX_GOTDCS = 24
    RX_INVALCMD = 25
    RX_NOCARRIER = 26
    RX_NOEOL = 27
    RX_NOFAX = 28
    RX_T2EXPDCN = 29
    RX_T2EXPD = 30
    RX_T2EXPFAX = 31
    RX_T2EXPMPS = 32
    RX_T2EXPRR = 33
    RX_T2EXP = 34
    RX_DCNWHY = 35
    RX_DCNDATA = 36
    RX_DCNFAX = 37
    RX_DCNPHD = 38
    RX_DCNRRD = 39
    RX_DCNNORTN = 40
    FILEERROR = 41
    NOPAGE = 42
    BADTIFF = 43
    BADPAGE = 44
    BADTAG = 45
    BADTIFFHDR = 46
    NOMEM = 47
    RETRYDCN = 48
    CALLDROPPED = 49
    NOPOLL = 50
    IDENT_UNACCEPTABLE = 51
    SUB_UNACCEPTABLE = 52
    SEP_UNACCEPTABLE = 53
    PSA_UNACCEPTABLE = 54
    SID_UNACCEPTABLE = 55
    PWD_UNACCEPTABLE = 56
    TSA_UNACCEPTABLE = 57
    IRA_UNACCEPTABLE = 58
    CIA_UNACCEPTABLE = 59
    ISP_UNACCEPTABLE = 60
    CSA_UNACCEPTABLE = 61


# Voxtelesys' description for 5100 + index; these are the comments of the
# T30_ERR_* enum in t30.h (spandsp's own t30_completion_code_to_str() wording
# differs slightly for codes 20 and 51-61).
_DESCRIPTIONS: tuple[str, ...] = (
    "unknown fax failure",
    "the CED tone exceeded 5s",
    "timed out waiting for initial communication",
    "timed out waiting for the first message",
    "timed out waiting for procedural interrupt",
    "the HDLC carrier did not stop in a timely manner",
    "failed to train with any of the compatible modems",
    "operator intervention failed",
    "far end is not compatible",
    "far end is not able to receive",
    "far end is not able to transmit",
    "far end cannot receive at the resolution of the image",
    "far end cannot receive at the size of image",
    "unexpected message received",
    "received bad response to DCS or training",
    "received a DCN from remote after sending a page",
    "invalid ECM response received from receiver",
    "received a DCN while waiting for a DIS",
    "invalid response after sending a page",
    "received other than DIS while waiting for DIS",
    "received no response to DCS, training or TCF",
    "no response after sending a page",
    "timed out waiting for receiver ready (ECM mode)",
    "invalid ECM response received from transmitter",
    "DCS received while waiting for DTC",
    "unexpected command after page received",
    "carrier lost during fax receive",
    "timed out while waiting for EOL (end of line)",
    "timed out while waiting for first line",
    "timer T2 expired while waiting for DCN",
    "timer T2 expired while waiting for phase D",
    "timer T2 expired while waiting for fax page",
    "timer T2 expired while waiting for next fax page",
    "timer T2 expired while waiting for RR command",
    "timer T2 expired while waiting for NSS, DCS or MCF",
    "unexpected DCN while waiting for DCS or DIS",
    "unexpected DCN while waiting for image data",
    "unexpected DCN while waiting for EOM, EOP or MPS",
    "unexpected DCN after EOM or MPS sequence",
    "unexpected DCN after RR/RNR sequence",
    "unexpected DCN after requested retransmission",
    "TIFF/F file cannot be opened",
    "TIFF/F page not found",
    "TIFF/F format is not compatible",
    "TIFF/F page number tag missing",
    "incorrect values for TIFF/F tags",
    "bad TIFF/F header - incorrect values in fields",
    "cannot allocate memory for more pages",
    "disconnected after permitted retries",
    "the call dropped prematurely",
    "poll not accepted",
    "far end's ident is not acceptable",
    "far end's sub-address is not acceptable",
    "far end's selective polling address is not acceptable",
    "far end's polled sub-address is not acceptable",
    "far end's sender identification is not acceptable",
    "far end's password is not acceptable",
    "far end's transmitting subscriber internet address is not acceptable",
    "far end's internet routing address is not acceptable",
    "far end's calling subscriber internet address is not acceptable",
    "far end's internet selective polling address is not acceptable",
    "far end's called subscriber internet address is not acceptable",
)


def error_code_for(completion_code: int) -> int | None:
    """Map a T.30 completion code to a Voxtelesys fax error code.

    Returns ``None`` for ``T30_ERR_OK`` (0): a successful fax has no error code.
    Known failure codes 1..61 map to ``5100 + code``; anything else (negative,
    or a code a future spandsp might add) maps to 5100 "unknown fax failure"
    rather than inventing a number outside the documented 5100-5161 range.
    """
    if completion_code == CompletionCode.OK:
        return None
    if 0 < completion_code <= max(CompletionCode):
        return VOXTELESYS_BASE + completion_code
    return VOXTELESYS_UNKNOWN


def error_description_for(error_code: int) -> str:
    """Voxtelesys description of a 5100-5161 fax error code."""
    index = error_code - VOXTELESYS_BASE
    if not 0 <= index < len(_DESCRIPTIONS):
        raise ValueError(f"{error_code} is not a 5100-5161 fax error code")
    return _DESCRIPTIONS[index]
