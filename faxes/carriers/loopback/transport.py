"""Loopback: on-net delivery between faxboxes of this portal, no carrier needed.

A fax to a number that a faxbox of this portal owns is transmitted for real
through a software T.30 modem pair (libspandsp, ``faxes.modem``) when the
library is present: what the receiving side decoded is what lands in the
inbox, and the attempt carries the true T.30 figures. Without libspandsp the
TIFF is handed over directly and ``tx_result`` says it was not modem-tested.

Sandbox numbers (``+1 500 555 00xx``) rehearse every failure path:

=============  ==============================================================
+15005550001   busy, Q.850 17 (transient: retried)
+15005550002   no answer, Q.850 18 (transient: retried)
+15005550003   a line so noisy that modem training fails: 5120 "received no
               response to DCS or TCF" (5114 in T.38 mode, where the line
               loses packets instead) (T.30 failure, retried)
+15005550004   the line goes dead after the first page (partial send, 5149,
               retried)
+15005550005   a receiver that takes standard resolution only: a fine fax is
               refused in T.30 negotiation, 5111 (permanent failure)
+15005550006   answered, but not by a fax machine: Q.850 88 (permanent)
+15005550010   delivered to a sandbox receiver (success, no inbox)
+15005550011   a sandbox receiver without ECM: delivered coded T.4 2-D (MR)
+15005550012   a sandbox receiver with ECM but T.4 1-D (MH) only: delivered MH
+15005550013   a sandbox receiver with A4-length, 215 mm paper only: a Legal or B4
               fax is sent fitted to Letter or A4 (delivered)
=============  ==============================================================

Every other receiver offers ECM and T.6, so the pages go as T.6 (MMR); the attempt
records the coding used (``compression``). The sender's pages are laid out for the fax's
paper (``Fax.paper``); a Legal or B4 document goes with a copy fitted to the 215 mm line and
T.30's A4 length, sent instead when the far end's DIS takes no longer or wider page.

The README's table says the same; ``tests/engine/test_sandbox_numbers.py`` holds the
two to each other. Every call's simulated-time cap is a :class:`faxes.modem.LineBudget`:
sized from what the TIFF carries at the bit rate the line negotiates, with a floor.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings

from faxes import modem, routing
from faxes.carriers.base import (
    OnNetDelivery,
    SendOutcome,
    Transport,
    TransportError,
    TxResult,
)
from faxes.documents import PaperSize, refit_fax_tiff

if TYPE_CHECKING:
    from faxes.models import Attempt, Fax

log = logging.getLogger(__name__)

BUSY = "+15005550001"
NO_ANSWER = "+15005550002"
NOISY_LINE = "+15005550003"
DROPS_AFTER_FIRST_PAGE = "+15005550004"
REFUSES_DOCUMENT = "+15005550005"
NOT_A_FAX = "+15005550006"
SANDBOX_RECEIVER = "+15005550010"
RECEIVER_WITHOUT_ECM = "+15005550011"
RECEIVER_MH_ONLY = "+15005550012"
RECEIVER_A4_ONLY = "+15005550013"
SANDBOX_NUMBERS = frozenset(
    {BUSY, NO_ANSWER, NOISY_LINE, DROPS_AFTER_FIRST_PAGE, REFUSES_DOCUMENT, NOT_A_FAX,
     SANDBOX_RECEIVER, RECEIVER_WITHOUT_ECM, RECEIVER_MH_ONLY, RECEIVER_A4_ONLY}
)  # fmt: skip
# What each paper's pages need on the line, and the paper their fitted copy is laid out
# for when the far end takes less (T.30 has one length up to A4, which Letter fits).
_A4_LINE = modem.ImageSize.WIDTH_215MM | modem.ImageSize.A4_LENGTH
DOCUMENT_SIZES = {
    PaperSize.LETTER: _A4_LINE,
    PaperSize.A4: _A4_LINE,
    PaperSize.LEGAL: modem.ImageSize.WIDTH_215MM | modem.ImageSize.B4_LENGTH,
    PaperSize.B4: modem.ImageSize.WIDTH_255MM | modem.ImageSize.B4_LENGTH,
}
FALLBACK_PAPER = {PaperSize.LEGAL: PaperSize.LETTER, PaperSize.B4: PaperSize.A4}


# spandsp completion codes no retry can fix: NORESSUPPORT, NOSIZESUPPORT.
PERMANENT_T30_CODES = frozenset({11, 12})


def sandbox_line(
    number: str, mode: str, *, tx_ident: str, rx_ident: str, budget,
    paper: PaperSize = PaperSize.LETTER, fallback_tiff: str = "",
):  # fmt: skip
    """The modem options and line faults of a call to ``number`` (a healthy line for every
    number but the sandbox ones that rehearse a fault), sending pages laid out for
    ``paper`` (``fallback_tiff``: them fitted to the A4 line, for a far end that takes less)."""
    ecm = True
    impairments = None
    receiver_resolutions = None
    receiver: dict[str, Any] = {}  # what the far end offers, when the number says
    if number == NOISY_LINE:
        # Signalling gets through, the sender's training never does (noise on the audio,
        # lost fast-modem packets in T.38): T.30 gives up in phase B, 5120 (5114 in T.38),
        # whatever the document.
        ecm = False
        impairments = modem.Impairments(garble_training=True)
    elif number == DROPS_AFTER_FIRST_PAGE:
        # ECM off: with ECM the page in flight would be repaired, not lost.
        ecm = False
        impairments = modem.Impairments(drop_after_pages=1)
    elif number == REFUSES_DOCUMENT:
        receiver_resolutions = modem.Resolution.STANDARD
    elif number == RECEIVER_WITHOUT_ECM:
        receiver = {"receiver_ecm": False}  # T.6 needs ECM: the sender codes MR
    elif number == RECEIVER_MH_ONLY:
        receiver = {"receiver_compressions": modem.Compression.T4_1D}
    elif number == RECEIVER_A4_ONLY:
        receiver = {"receiver_image_sizes": _A4_LINE}
    options = modem.FaxOptions(
        tx_ident=tx_ident, rx_ident=rx_ident, ecm=ecm,
        receiver_resolutions=receiver_resolutions, budget=budget, **receiver,
        document_size=DOCUMENT_SIZES[paper], fallback_tiff=fallback_tiff,
    )  # fmt: skip
    return options, impairments


def _ident(value: str) -> str:
    # T.30 idents are at most 20 printable characters.
    return "".join(c for c in value if " " <= c <= "~")[:20]


def _tx_result(result, *, tested: bool = True) -> TxResult:
    """Our TxResult from a modem TransmissionResult."""
    code = result.error_code
    return TxResult(
        success=result.success,
        result_code=0 if result.success else code,
        result_text="OK" if result.success else result.completion_text,
        pages_sent=result.pages_sent,
        speed=result.bit_rate or None,
        ecm=result.ecm_used,
        compression=modem.COMPRESSION_NAMES.get(result.compression, ""),
        bad_rows=result.bad_rows,
        receiver_id=result.tx_remote_ident,
        time_elapsed=round(result.line_seconds, 1),
        details={
            "modem_tested": tested,
            "mode": str(result.mode),
            "completion_code": result.completion_code,
            "pages_received": result.pages_received,
            "missing_rows": result.missing_rows,
            # The image format the DCS announced, and whether the fitted copy went.
            "scan_width_mm": result.scan_width_mm,
            "page_length": result.page_length,
            "fitted_to_receiver": result.fell_back,
        },
    )


class LoopbackTransport(Transport):
    name: ClassVar[str] = "loopback"

    def send(self, fax: Fax, attempt: Attempt, tiff_path: Path) -> SendOutcome:
        number = fax.to_number
        if number == BUSY:
            raise TransportError("busy", permanent=False, result=TxResult(False, 17, "busy"))
        if number == NO_ANSWER:
            raise TransportError(
                "no answer", permanent=False, result=TxResult(False, 18, "no answer")
            )
        if number == NOT_A_FAX:
            # A voice line answers: Q.850 88, "incompatible destination".
            raise TransportError(
                f"not a fax machine: {number}",
                permanent=True,
                result=TxResult(False, 88, f"not a fax machine: {number}"),
            )
        receiver = None
        if number not in SANDBOX_NUMBERS:
            destination = routing.route(number)
            receiver = destination.owner
            if receiver is None:
                raise TransportError(
                    f"{number} is not a number of this portal; the loopback transport "
                    "delivers only between its own faxboxes (configure a carrier transport)",
                    permanent=True,
                )
            if not destination.may_receive:
                # Not worth a call: the inbox would refuse the fax (and does, should the
                # account be disabled while the call runs: the engine ends the attempt).
                raise TransportError(
                    f"{number} belongs to a faxbox whose account is disabled", permanent=True
                )
        # Chosen by the engine when it rendered the fax: numbers the account owns only.
        tx_ident = _ident(fax.sent_station_id or fax.sent_caller_id)
        rx_ident = _ident((receiver.faxbox.fax_identity if receiver else "") or number)
        transmitted = self._transmit(fax, tiff_path, tx_ident, rx_ident)
        if transmitted is None:  # no modem: hand the TIFF over as it is
            result = TxResult(
                success=True, result_code=0, result_text="OK (not modem-tested)",
                pages_sent=fax.pages or 0, receiver_id=rx_ident,
                details={"modem_tested": False},
            )  # fmt: skip
            received = tiff_path.read_bytes()
        else:
            result, received = transmitted
        if not result.success:
            # T.30 failures are line trouble, worth another try; a receiver that
            # cannot take the document's resolution or size will refuse it again.
            permanent = result.details.get("completion_code") in PERMANENT_T30_CODES
            raise TransportError(result.result_text, permanent=permanent, result=result)
        delivered = self._delivery(fax, received, result, tx_ident) if receiver else None
        return SendOutcome(
            final=True, result=result, carrier_id=f"loopback:{fax.pk}", delivered=delivered
        )

    def _transmit(self, fax: Fax, tiff_path: Path, tx_ident: str, rx_ident: str):
        if not modem.modem_available():
            log.warning("libspandsp not available: loopback delivery is not modem-tested")
            return None
        mode = settings.FAXPORTAL_LOOPBACK_MODE
        paper = PaperSize(fax.paper)
        with tempfile.TemporaryDirectory() as folder:
            fallback = ""
            if paper in FALLBACK_PAPER:
                fallback = str(Path(folder) / "fitted.tiff")
                refit_fax_tiff(tiff_path, fallback, FALLBACK_PAPER[paper])
            options, impairments = sandbox_line(
                fax.to_number, mode, tx_ident=tx_ident, rx_ident=rx_ident,
                budget=modem.LineBudget(modem.tiff_page_bytes(tiff_path)),
                paper=paper, fallback_tiff=fallback,
            )  # fmt: skip
            received_path = Path(folder) / "received.tiff"
            outcome = modem.transmit(
                tiff_path, mode=mode, options=options, impairments=impairments,
                received_tiff=received_path,
            )  # fmt: skip
            data = received_path.read_bytes() if received_path.exists() else b""
        return _tx_result(outcome), data

    def _delivery(
        self, fax: Fax, received: bytes, result: TxResult, tx_ident: str
    ) -> OnNetDelivery:
        rx_result = {
            "success": True,
            "result_text": result.result_text,
            "ecm_used": bool(result.ecm),
            "compression": result.compression,
            "total_pages": str(result.pages_sent),
            "transferred_pages": str(result.details.get("pages_received", result.pages_sent)),
            "transfer_rate": str(result.speed or 0),
            "remote_station_id": tx_ident,
            "bad_rows": str(result.bad_rows),
            "modem_tested": bool(result.details.get("modem_tested")),
        }
        # Keyed on the outbound fax: a retry after a crash finds it already filed.
        return OnNetDelivery(
            to_number=fax.to_number, from_number=fax.sent_caller_id, data=received,
            transport=self.name, carrier_fax_id=f"loopback:{fax.pk}",
            remote_station_id=tx_ident, rx_result=rx_result,
        )  # fmt: skip


Carrier = LoopbackTransport  # what the registry names
