"""The one failure vocabulary: every way a fax can fail, what it means, and each API's code.

Every failure has a stable ``code`` (``busy``, ``t30_training_failed``, ``document_encrypted``,
…), a category, whether trying again can help, a short technical text, and a plain
explanation with what to do, written for the staff who read it in the portal. The UI, the
APIs, webhooks and e-mails read it from here; each API maps it to its own codes (Kazoo:
``result_code`` SIP-style + ``result_cause`` as FreeSWITCH names hang-up causes; more APIs
through ``api_codes``).

What a transport or the engine stores today is a number and a text (``Fax.error_code`` /
``error_message``, ``Attempt.result_code`` / ``result_text`` / ``details``): the portal's
own numbers are Q.850 cause values for call failures and 5100 + spandsp's completion code
for T.30 failures (as Voxtelesys counts them). :func:`lookup` finds the entry from those,
by number first, then by the carrier's own failure word, then by the text.

Failures raised as exceptions are one family, :class:`FaxFailure`: each carries its entry
(``failure``) and whether trying again is pointless (``permanent``, from the entry unless the
raiser decides otherwise). The engine stores the carried code (``Fax.failure_code``), so the
text matching (``texts=``) only serves rows stored without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar

from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_noop as _

from faxes.modem.codes import VOXTELESYS_BASE, CompletionCode, error_description_for

T30 = VOXTELESYS_BASE  # the portal's T.30 failure numbers are 5100 + spandsp's code


class Category(StrEnum):
    CALL = "call"  # the call did not connect: busy, no answer, number not in service, …
    T30 = "t30"  # the call connected but the fax machines' T.30 exchange failed
    CARRIER = "carrier"  # the carrier refused or could not take the job
    DOCUMENT = "document"  # the document cannot be faxed as it is
    FETCH = "fetch"  # the document's URL could not be fetched
    ROUTING = "routing"  # no route to the number from this portal
    PORTAL = "portal"  # interrupted or unexplained on the portal's side


@dataclass(frozen=True)
class KazooResult:
    """What Kazoo's fax worker puts in ``tx_result``: ``result_code`` is the SIP-style hang-up
    code, ``result_cause`` FreeSWITCH's hang-up cause ("" where Kazoo reports none)."""

    code: int
    cause: str = ""


KAZOO_SUCCESS = KazooResult(200, "NORMAL_CLEARING")
# Failures after the call was answered end with a normal hang-up in Kazoo too: the T.30
# outcome is in result_text, not in the SIP code.
_ANSWERED = KazooResult(200, "NORMAL_CLEARING")
_BAD_FILE = KazooResult(0)  # Kazoo's "bad_file": the document could not be prepared
_INTERNAL = KazooResult(500)  # Kazoo's "job timed out" / "process terminated"
_NO_ROUTE = KazooResult(404, "NO_ROUTE_DESTINATION")
_TEMPORARY = KazooResult(503, "NORMAL_TEMPORARY_FAILURE")
_BARRED = KazooResult(403, "OUTGOING_CALL_BARRED")
_CANCELLED = KazooResult(487, "ORIGINATOR_CANCEL")


@dataclass(frozen=True)
class Failure:
    code: str
    category: Category
    retryable: bool  # would the same fax, sent again later, stand a chance?
    technical: str  # short, for the technical-details disclosure
    summary: str  # a few words: "The line was busy"
    explanation: str  # plain: what happened ("{where}" becomes " during page 2", or "")
    advice: str  # plain: what to do
    kazoo: KazooResult
    numbers: tuple[int, ...] = ()  # the portal's numeric codes (error_code / result_code)
    texts: tuple[str, ...] = ()  # regexes on the stored text, for failures without a number
    carrier_reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rejection: str | None = None  # the document library's RejectionCode
    # Codes of other APIs, by API name (e.g. {"voxtelesys": 4201}); filled as they are mapped.
    api_codes: Mapping[str, int | str] = field(default_factory=dict)

    def api_code(self, api: str) -> int | str | None:
        return self.api_codes.get(api)


def _t30(*names: str) -> tuple[int, ...]:
    return tuple(T30 + CompletionCode[name] for name in names)


_CALL = Category.CALL
_T = Category.T30
_CARRIER = Category.CARRIER
_DOC = Category.DOCUMENT
_FETCH = Category.FETCH

# Each entry: code, category, retryable, technical, summary, explanation, advice, Kazoo
# result, then what identifies it in stored data (numbers, texts, carrier reasons, rejection).
# fmt: off
FAILURES: tuple[Failure, ...] = (
    # --- the call --------------------------------------------------------------------
    Failure(
        "busy", _CALL, True, "line busy (Q.850 17, USER_BUSY)", _("The line was busy"),
        _("The receiving fax line was busy."),
        _("Nothing to do: the portal tries again by itself. If it stays busy, call the "
        "recipient to check their fax line."),
        KazooResult(486, "USER_BUSY"), numbers=(17,), texts=(r"^busy$",),
    ),
    Failure(
        "no_answer", _CALL, True, "no answer (Q.850 18/19)", _("Nobody answered"),
        _("The receiving fax machine did not answer the call."),
        _("Nothing to do: the portal tries again by itself. If it keeps happening, ask the "
        "recipient whether their fax machine is switched on and connected."),
        KazooResult(480, "NO_ANSWER"), numbers=(18, 19),
        texts=(r"^no answer$", r"no response from the destination"),
    ),
    Failure(
        "number_not_in_service", _CALL, False, "unallocated number (Q.850 1)",
        _("The number is not in service"),
        _("The phone network says this number does not exist or is not in service."),
        _("Check the fax number with the recipient, then send the fax again to the right number."),
        KazooResult(404, "UNALLOCATED_NUMBER"), numbers=(1,),
        texts=(r"invalid fax number", r"number not in service", r"invalid destination number"),
    ),
    Failure(
        "no_route", _CALL, True, "no route to destination (Q.850 2/3)",
        _("The number could not be reached"),
        _("The phone network could not find a way to reach this number right now."),
        _("The portal tries again by itself. If it keeps failing, check the number (country "
        "code included) with the recipient."),
        _NO_ROUTE, numbers=(2, 3), texts=(r"destination unreachable",),
    ),
    Failure(
        "number_changed", _CALL, False, "number changed (Q.850 22)", _("The number has changed"),
        _("The phone network says this number has changed."),
        _("Ask the recipient for their new fax number and send the fax again."),
        KazooResult(410, "NUMBER_CHANGED"), numbers=(22,),
    ),
    Failure(
        "invalid_number_format", _CALL, False, "invalid number format (Q.850 28)",
        _("The number is incomplete or malformed"),
        _("The phone network could not dial this number as written."),
        _("Check the number, including the country code, and send the fax again."),
        KazooResult(484, "INVALID_NUMBER_FORMAT"), numbers=(28,),
        texts=(r"invalid number format",),
    ),
    Failure(
        "call_rejected", _CALL, True, "call rejected (Q.850 21)", _("The call was rejected"),
        _("The receiving side rejected the call."),
        _("The portal tries again by itself. If it keeps being rejected, ask the recipient "
        "whether they block calls from your number."),
        KazooResult(603, "CALL_REJECTED"), numbers=(21,),
        texts=(r"declined the call",),
    ),
    Failure(
        "destination_out_of_order", _CALL, True, "destination out of order (Q.850 27)",
        _("The receiving line is out of order"),
        _("The receiving line is out of order."),
        _("The portal tries again by itself. If it keeps failing, tell the recipient their "
        "fax line seems to be down."),
        KazooResult(502, "DESTINATION_OUT_OF_ORDER"), numbers=(27,),
    ),
    Failure(
        "network_busy", _CALL, True, "network congestion (Q.850 34/41/42/38)",
        _("The phone network was busy"),
        _("The phone network could not connect the call right now."),
        _("Nothing to do: the portal tries again by itself."),
        _TEMPORARY, numbers=(34, 38, 41, 42, 44, 47),
        texts=(r"channel limit", r"call failure or routing error", r"service unavailable"),
    ),
    Failure(
        "destination_timeout", _CALL, True, "destination timed out (Q.850 102)",
        _("The receiving side did not respond in time"),
        _("The receiving side did not respond to the call in time."),
        _("Nothing to do: the portal tries again by itself."),
        KazooResult(408, "RECOVERY_ON_TIMER_EXPIRE"), numbers=(102,),
        texts=(r"destination timed out",),
    ),
    Failure(
        "not_a_fax_machine", _CALL, False, "incompatible destination (Q.850 88)",
        _("Not a fax machine"),
        _("The number answered, but not as a fax machine (a phone or a voice mailbox, perhaps)."),
        _("Check that this is the recipient's fax number, not their phone number."),
        KazooResult(488, "INCOMPATIBLE_DESTINATION"), numbers=(88,),
        texts=(r"not a fax machine",),
    ),
    Failure(
        "call_failed", _CALL, True, "call failed (other Q.850 cause)", _("The call failed"),
        _("The call could not be completed."),
        _("The portal tries again by itself. If it keeps failing, check the number with the "
        "recipient."),
        KazooResult(480, "NORMAL_UNSPECIFIED"), numbers=(16, 31),
        texts=(r"connection failed",),
    ),
    # --- T.30: the call connected, the fax exchange failed --------------------------------
    Failure(
        "t30_no_fax_answer", _T, True, "no fax handshake (T.30 phase A/B)",
        _("No fax machine answered"),
        _("The call was answered, but no fax machine took part in it (a person or a voice "
        "mailbox may have answered)."),
        _("The portal tries again by itself. If it keeps happening, check that the number is "
        "a fax line."),
        _ANSWERED, numbers=_t30("CEDTONE", "T0_EXPIRED", "T1_EXPIRED", "TX_NODIS", "TX_GOTDCN"),
        texts=(r"transmission not established",),
    ),
    Failure(
        "t30_training_failed", _T, True, "modem training failed (T.30 phase B)",
        _("The fax machines could not agree on a speed"),
        _("The fax machines could not agree on a transmission speed, usually because the "
        "line is noisy."),
        _("Nothing to do: the portal tries again by itself. If it keeps failing, ask the "
        "recipient to check their fax line."),
        _ANSWERED,
        numbers=_t30("CANNOT_TRAIN", "TX_BADDCS", "TX_PHBDEAD", "HDLC_CARRIER", "T3_EXPIRED"),
        texts=(r"no response to dcs", r"signalling error"),
    ),
    Failure(
        "t30_resolution_unsupported", _T, False, "resolution not supported by the receiver",
        _("The receiver cannot print this resolution"),
        _("The receiving fax machine cannot take the fax at the resolution it was sent in."),
        _("Send the fax again with the resolution set to standard."),
        _ANSWERED, numbers=_t30("NORESSUPPORT"),
    ),
    Failure(
        "t30_size_unsupported", _T, False, "page size not supported by the receiver",
        _("The receiver cannot take this page size"),
        _("The receiving fax machine cannot take pages of this size."),
        _("Send the document on A4 or US Letter pages."),
        _ANSWERED, numbers=_t30("NOSIZESUPPORT"),
    ),
    Failure(
        "t30_receiver_incapable", _T, True, "receiver not able to receive (T.30)",
        _("The receiver was not ready to receive"),
        _("The receiving fax machine said it could not receive a fax right now."),
        _("The portal tries again by itself. If it keeps failing, ask the recipient to check "
        "their fax machine (paper, memory, settings)."),
        _ANSWERED, numbers=_t30("INCOMPATIBLE", "RX_INCAPABLE", "TX_INCAPABLE"),
    ),
    Failure(
        "t30_hung_up", _T, True, "call dropped during transmission (T.30 phase C/D)",
        _("The receiving machine hung up"),
        _("The receiving machine hung up{where}. It may be out of paper or its line dropped."),
        _("The portal tries again by itself. If it keeps happening, ask the recipient to "
        "check their fax machine's paper and line."),
        _ANSWERED,
        numbers=_t30("CALLDROPPED", "TX_BADPG", "TX_PHDDEAD", "RETRYDCN", "RX_NOCARRIER"),
    ),
    Failure(
        "t30_protocol_error", _T, True, "T.30 protocol error",
        _("The fax machines misunderstood each other"),
        _("The fax machines stopped understanding each other{where}."),
        _("The portal tries again by itself. If it keeps failing, ask the recipient to check "
        "their fax machine."),
        _ANSWERED,
        numbers=_t30(
            "OPER_INT_FAIL", "UNEXPECTED", "TX_ECMPHD", "TX_INVALRSP", "TX_T5EXP", "RX_ECMPHD",
            "RX_GOTDCS", "RX_INVALCMD", "RX_NOEOL", "RX_NOFAX", "RX_T2EXPDCN", "RX_T2EXPD",
            "RX_T2EXPFAX", "RX_T2EXPMPS", "RX_T2EXPRR", "RX_T2EXP", "RX_DCNWHY", "RX_DCNDATA",
            "RX_DCNFAX", "RX_DCNPHD", "RX_DCNRRD", "RX_DCNNORTN", "NOPOLL",
        ),
        texts=(r"invalid ecm response", r"unexpected dcm"),
    ),
    Failure(
        "t30_not_accepted", _T, True, "identification not accepted by the receiver (T.30)",
        _("The receiver refused the fax"),
        _("The receiving fax machine refused this sender (its identification, sub-address or "
        "password was not accepted)."),
        _("Ask the recipient whether their fax machine only accepts faxes from certain senders."),
        _ANSWERED,
        numbers=_t30(
            "IDENT_UNACCEPTABLE", "SUB_UNACCEPTABLE", "SEP_UNACCEPTABLE", "PSA_UNACCEPTABLE",
            "SID_UNACCEPTABLE", "PWD_UNACCEPTABLE", "TSA_UNACCEPTABLE", "IRA_UNACCEPTABLE",
            "CIA_UNACCEPTABLE", "ISP_UNACCEPTABLE", "CSA_UNACCEPTABLE",
        ),
    ),
    Failure(
        "t30_file_error", _T, True, "the fax image could not be read for sending (T.30)",
        _("The portal could not read its copy of the fax"),
        _("The portal could not read its own copy of the fax while sending it."),
        _("The portal tries again by itself. If it keeps failing, send the document again; "
        "if that fails too, contact support."),
        _ANSWERED,
        numbers=_t30("FILEERROR", "NOPAGE", "BADTIFF", "BADPAGE", "BADTAG", "BADTIFFHDR", "NOMEM"),
    ),
    Failure(
        "t30_failed", _T, True, "fax transmission failed (T.30, no reason given)",
        _("The fax transmission failed"),
        _("The fax machines were connected, but the transmission failed{where}."),
        _("The portal tries again by itself. If it keeps failing, ask the recipient to check "
        "their fax machine."),
        _ANSWERED, numbers=(T30,), texts=(r"^fax failed",),
    ),
    # --- the carrier ------------------------------------------------------------------
    Failure(
        "carrier_not_configured", _CARRIER, False, "carrier not configured",
        _("The carrier is not set up"),
        _("The portal is not fully set up to send through this carrier."),
        _("Ask your administrator to complete the carrier configuration, then send the fax again."),
        _INTERNAL, texts=(r"is not fully configured", r"^no caller id"),
        carrier_reasons={"telnyx": ("no_outbound_profile",)},
    ),
    Failure(
        "carrier_credentials_refused", _CARRIER, False, "carrier refused the credentials",
        _("The carrier refused the portal's credentials"),
        _("The carrier refused the portal's credentials."),
        _("Ask your administrator to check the carrier credentials, then send the fax again."),
        _INTERNAL, texts=(r"refused the (api key|api token|project id and api token|credentials)",),
    ),
    Failure(
        "carrier_unavailable", _CARRIER, True, "carrier unavailable",
        _("The carrier could not take the fax right now"),
        _("The carrier could not take the fax right now."),
        _("Nothing to do: the portal tries again by itself."),
        _TEMPORARY,
        texts=(
            r"refused the fax \(HTTP (5\d\d|408|409|429)\b", r"could not be reached",
            r"answered without a fax id", r"no answer from \w+ to the send request",
            r"does not know this fax",
        ),
        carrier_reasons={"signalwire": ("log entry lost", "long entry lost")},
    ),
    Failure(
        "carrier_refused", _CARRIER, False, "carrier refused the fax",
        _("The carrier refused the fax"),
        _("The carrier refused to send this fax."),
        _("Check the number and the document; if they look right, ask your administrator to "
        "check the carrier account."),
        KazooResult(403, "CALL_REJECTED"), texts=(r"refused the fax \(HTTP 4\d\d\b",),
    ),
    Failure(
        "carrier_destination_not_allowed", _CARRIER, False,
        "destination or caller ID not allowed by the carrier account",
        _("The carrier account may not fax this number"),
        _("The carrier account is not allowed to send to this destination, or from this "
        "caller ID."),
        _("Ask your administrator to allow the destination (or verify the caller ID) in the "
        "carrier account."),
        _BARRED,
        carrier_reasons={
            "telnyx": (
                "destination_not_in_countries_whitelist", "destination_not_in_service_plan",
                "unverified_destination_not_allowed", "unverified_origination_number",
                "account_disabled",
            ),
        },
    ),
    Failure(
        "carrier_limit_reached", _CARRIER, True, "carrier account limit reached",
        _("The carrier account reached a limit"),
        _("The carrier account reached its limit of calls or spending for now."),
        _("The portal tries again by itself. If it keeps happening, ask your administrator to "
        "raise the carrier account's limits."),
        _TEMPORARY,
        carrier_reasons={"telnyx": ("outbound_profile_daily_spend_limit_exceeded",)},
    ),
    Failure(
        "carrier_document_error", _CARRIER, True, "carrier could not process the document",
        _("The carrier could not process the document"),
        _("The carrier could not fetch or process the document."),
        _("The portal tries again by itself. If it keeps failing, ask your administrator to "
        "check that the carrier can reach the portal."),
        _TEMPORARY,
        carrier_reasons={
            "telnyx": ("file_download_failed", "media_processing_exception"),
            "signalwire": ("document generation error", "document loading error"),
        },
    ),
    Failure(
        "carrier_document_refused", _CARRIER, False, "carrier refused the document",
        _("The carrier refused the document"),
        _("The carrier refused the document (its format, size or page count)."),
        _("Send a smaller document, or split it into several faxes."),
        _BAD_FILE,
        carrier_reasons={
            "telnyx": (
                "file_format_invalid", "file_size_limit_exceeded", "page_count_limit_exceeded",
            ),
        },
    ),
    Failure(
        "carrier_cancelled", _CARRIER, False, "cancelled at the carrier", _("Cancelled"),
        _("The fax was cancelled while the carrier was sending it."),
        _("Send it again if it is still needed."),
        _CANCELLED, texts=(r"^cancelled at ", r"^cancelled on request"),
    ),
    Failure(
        "carrier_no_final_status", _CARRIER, False, "no final status from the carrier",
        _("The carrier never reported the result"),
        _("The carrier never said whether the fax went through, so the portal stopped waiting."),
        _("Ask the recipient whether the fax arrived before sending it again."),
        _INTERNAL, texts=(r"no final status from",),
    ),
    Failure(
        "carrier_failed", _CARRIER, True, "carrier reported a failure",
        _("The carrier reported a failure"),
        _("The carrier could not deliver the fax and gave no usable reason."),
        _("The portal tries again by itself. If it keeps failing, contact support."),
        _TEMPORARY, texts=(r"^telnyx:",),
    ),
    # --- the document -------------------------------------------------------------------
    Failure(
        "document_unsupported_type", _DOC, False, "unsupported file type",
        _("The file type cannot be faxed"),
        _("The document is not a file type the portal can fax."),
        _("Send a PDF, TIFF, PNG or JPEG file, an Office document (Word, Excel, PowerPoint, "
          "OpenDocument, RTF) or a plain-text or CSV file instead."),
        _BAD_FILE, rejection="unsupported_type",
        texts=(r"not a file type we can fax", r"returned a web page, not a document"),
    ),
    Failure(
        "document_empty", _DOC, False, "empty document", _("The document is empty"),
        _("The document is empty: there is nothing to fax."),
        _("Check the file and send the fax again with the right document."),
        _BAD_FILE, rejection="empty",
        texts=(r" is empty\.", r"there is nothing to send"),
    ),
    Failure(
        "document_too_large", _DOC, False, "file too large", _("The file is too large"),
        _("The document's file is larger than the portal accepts."),
        _("Make the file smaller (e.g. scan in black and white) or split it, then send again."),
        _BAD_FILE, rejection="too_large", texts=(r"files can be at most",),
    ),
    Failure(
        "document_too_many_pages", _DOC, False, "too many pages", _("Too many pages"),
        _("The document has more pages than one fax may have."),
        _("Split the document into several faxes."),
        _BAD_FILE, rejection="too_many_pages",
        texts=(r"a fax can have at most \d+ pages",),
    ),
    Failure(
        "document_password_protected", _DOC, False, "password-protected Office document",
        _("The document is password-protected"),
        _("The Office document is protected with a password, so the portal cannot open it."),
        _("Save the document without its password (or export it as a PDF), then send it "
          "again."),
        _BAD_FILE, rejection="password_protected", texts=(r"is protected by a password",),
    ),
    Failure(
        "document_encrypted", _DOC, False, "encrypted PDF", _("The PDF is password-protected"),
        _("The PDF is protected with a password, so the portal cannot read it."),
        _("Save or print the PDF without its password, then send it again."),
        _BAD_FILE, rejection="encrypted", texts=(r"password|encrypt",),
    ),
    Failure(
        "document_corrupt", _DOC, False, "unreadable or damaged file",
        _("The file could not be read"),
        _("The document could not be read: it seems to be damaged or incomplete."),
        _("Export or scan the document again, then send it."),
        _BAD_FILE, rejection="corrupt", texts=(r"could not be read",),
    ),
    Failure(
        "document_too_many_pixels", _DOC, False, "image too large (pixels)",
        _("An image is too large"),
        _("The document contains an image too large to fax."),
        _("Scale the image down and send it again."),
        _BAD_FILE, rejection="too_many_pixels", texts=(r"million pixels",),
    ),
    Failure(
        "document_too_long_to_send", _DOC, False, "a page would take too long to transmit",
        _("A page would take too long to fax"),
        _("A page of the document holds so much fine detail (a photograph, say) that sending "
          "it would keep a fax line busy for too long."),
        _("Send that page at standard resolution, or a simpler version of it (a black-and-white "
          "scan of the document rather than a photo of it)."),
        _BAD_FILE, rejection="too_long_to_send",
        texts=(r"minutes on a fax line",),
    ),
    Failure(
        "document_conversion_failed", _DOC, False, "Office document could not be converted",
        _("The document could not be converted"),
        _("The Office document could not be opened to convert it for faxing: it seems to be "
          "damaged, or saved in a form the converter cannot read."),
        _("Open the document, save it again (or export it as a PDF), then send it."),
        _BAD_FILE, rejection="conversion_failed", texts=(r"could not be converted for faxing",),
    ),
    Failure(
        "document_too_complex", _DOC, False, "conversion passed its time or memory limit",
        _("The document is too complex to convert"),
        _("Converting the Office document for faxing took longer, or needed more memory, than "
          "the portal allows."),
        _("Send only the pages that are needed (print them to a PDF), then send again."),
        _BAD_FILE, rejection="too_complex", texts=(r"too large or complex to convert",),
    ),
    Failure(
        "document_converter_missing", _DOC, False, "LibreOffice is not installed",
        _("Office documents cannot be converted here"),
        _("This portal cannot convert Office and text documents: LibreOffice is not installed "
          "on its server."),
        _("Send the document as a PDF, or ask the portal's administrator to install "
          "LibreOffice (Debian packages libreoffice-writer-nogui, libreoffice-calc-nogui and "
          "libreoffice-impress-nogui)."),
        _BAD_FILE, rejection="converter_missing", texts=(r"LibreOffice is not installed",),
    ),
    Failure(
        "document_converter_busy", _DOC, True, "every conversion slot stayed busy",
        _("The portal was too busy to convert the document"),
        _("The portal was converting too many Office documents at once to take this one."),
        _("Try again in a minute; a fax already submitted is retried by itself."),
        _BAD_FILE, rejection="converter_busy", texts=(r"converting too many documents",),
    ),
    # --- fetching the document -------------------------------------------------------------
    Failure(
        "fetch_refused", _FETCH, False, "document URL answered with an HTTP error",
        _("The document's address refused to serve it"),
        _("The web server holding the document answered with an error (e.g. not found, or "
        "access denied)."),
        _("Check the document's URL (and any login it needs), then send the fax again."),
        _BAD_FILE, texts=(r"could not retrieve file, HTTP response 4(?!08|25|29)\d\d",),
    ),
    Failure(
        "fetch_unavailable", _FETCH, True, "document URL temporarily unavailable",
        _("The document's address was unavailable"),
        _("The web server holding the document could not be reached or was unavailable."),
        _("Nothing to do: the portal tries again by itself. If it keeps failing, check that "
        "the document's server is up."),
        _BAD_FILE,
        texts=(
            r"could not retrieve file, HTTP response", r"could not retrieve file: (timed out|"
            r"cannot connect|cannot resolve|the connection closed|TLS error|invalid HTTP "
            r"response|the compressed file is incomplete|unexpected error)",
        ),
    ),
    Failure(
        "fetch_not_allowed", _FETCH, False, "document URL not allowed",
        _("The document's address is not allowed"),
        _("The document's URL is invalid or points somewhere the portal may not fetch from."),
        _("Use a public http or https link to the document, then send the fax again."),
        _BAD_FILE, texts=(r"could not retrieve file: ",),
    ),
    # --- routing and the portal ----------------------------------------------------------
    Failure(
        "not_routable", Category.ROUTING, False, "no transport reaches this number",
        _("This portal cannot reach that number"),
        _("The number is not one this portal can deliver to with its current set-up."),
        _("Ask your administrator to configure a carrier for sending outside the portal."),
        _NO_ROUTE, texts=(r"is not a number of this portal", r"no faxbox owns this number"),
    ),
    Failure(
        "recipient_disabled", Category.ROUTING, False, "receiving account disabled",
        _("The recipient's account is disabled"),
        _("The number belongs to a fax box on this portal whose account is disabled, so it "
          "cannot receive faxes."),
        _("Ask the recipient (or your administrator) to enable their account, then send the "
          "fax again."),
        _NO_ROUTE, texts=(r"account is disabled",),
    ),
    Failure(
        "interrupted", Category.PORTAL, True, "attempt interrupted on the portal's side",
        _("The attempt was interrupted"),
        _("The attempt was interrupted on the portal's side and is started again."),
        _("Nothing to do: the portal starts again by itself."),
        _INTERNAL, texts=(r"^interrupted",),
    ),
    Failure(
        "portal_error", Category.PORTAL, True, "internal error on the portal's side",
        _("The portal hit an internal error"),
        _("Something went wrong on the portal's side while sending the fax."),
        _("The portal tries again by itself. If it keeps failing, contact support with the "
          "technical details below."),
        _INTERNAL, texts=(r"^internal error while sending",),
    ),
    Failure(
        "callback_refused", _CARRIER, False, "carrier callback refused",
        _("A carrier callback was refused"),
        _("A message claiming to come from the carrier was refused (unsigned, forged, expired "
          "or about no fax of this carrier account)."),
        _("Nothing to do if it was not sent by your carrier; otherwise ask your administrator to "
          "check the carrier configuration."),
        _INTERNAL,
    ),
    Failure(
        "webhook_undeliverable", Category.PORTAL, True, "webhook endpoint unreachable",
        _("The webhook could not be delivered"),
        _("The portal could not reach the webhook's address, or got no answer from it."),
        _("Nothing to do: the portal tries again by itself. If it keeps failing, check that the "
          "webhook's server is up."),
        _INTERNAL,
    ),
    Failure(
        "unknown", Category.PORTAL, True, "unexplained failure", _("The fax was not delivered"),
        _("The fax could not be delivered, and the reason is not one the portal knows."),
        _("If it keeps failing, contact support with the technical details below."),
        _INTERNAL,
    ),
)

# fmt: on

BY_CODE: Mapping[str, Failure] = MappingProxyType({f.code: f for f in FAILURES})
UNKNOWN = BY_CODE["unknown"]
_BY_NUMBER: dict[int, Failure] = {}
for _failure in FAILURES:
    for _number in _failure.numbers:
        if _number in _BY_NUMBER:  # one number, one meaning
            raise ValueError(f"failure number {_number} is listed twice")
        _BY_NUMBER[_number] = _failure
_BY_REASON: dict[tuple[str, str], Failure] = {
    (transport, reason): failure
    for failure in FAILURES
    for transport, reasons in failure.carrier_reasons.items()
    for reason in reasons
}
_BY_REJECTION = {f.rejection: f for f in FAILURES if f.rejection is not None}
_PATTERNS: tuple[tuple[re.Pattern[str], Failure], ...] = tuple(
    (re.compile(text, re.IGNORECASE), failure) for failure in FAILURES for text in failure.texts
)


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


# spandsp's completion texts, as transports store them, → the portal's T.30 number.
_T30_TEXTS = {
    _words(error_description_for(T30 + n)): T30 + n for n in range(1, max(CompletionCode) + 1)
}


def get(code: str) -> Failure:
    """The entry with this stable code (KeyError for a code not in the table)."""
    return BY_CODE[code]


def lookup(
    number: int | None,
    text: str = "",
    transport: str = "",
    details: Mapping[str, Any] | None = None,
) -> Failure:
    """The entry for a stored failure: its number, else the carrier's own failure word
    (``details``), else its text; ``unknown`` when nothing matches."""
    if number is not None and number in _BY_NUMBER:
        return _BY_NUMBER[number]
    details = details or {}
    for reason in (details.get("failure_reason"), details.get("carrier_error_message")):
        if reason and transport:
            found = _BY_REASON.get((transport, str(reason))) or _BY_REASON.get(
                (transport, _words(str(reason)))
            )
            if found is not None:
                return found
    text = (text or "").strip()
    if text:
        if _words(text) in _T30_TEXTS:
            return _BY_NUMBER[_T30_TEXTS[_words(text)]]
        for pattern, failure in _PATTERNS:
            if pattern.search(text):
                return failure
    if number is not None:
        if 1 <= number <= 127:
            return BY_CODE["call_failed"]
        if T30 <= number < T30 + 100:
            return BY_CODE["t30_failed"]
    return UNKNOWN


def for_attempt(attempt: Any) -> Failure | None:
    """The failure of a finished attempt; None while it runs or when it succeeded."""
    if attempt is None or attempt.success is not False:
        return None
    return lookup(attempt.result_code, attempt.result_text, attempt.transport, attempt.details)


def for_fax(fax: Any, attempt: Any = None) -> Failure | None:
    """Why an outbound fax failed, or why it is waiting to retry; None otherwise.

    The code the failure carried when it was recorded (``failure_code``) decides; for rows
    without one (older ones, carrier reports) the stored number and message do, and
    ``attempt`` (its last finished attempt, when the caller has it) adds the carrier's own
    failure word.
    """
    if fax.status not in ("failed", "retrying"):
        return None
    carried = getattr(fax, "failure_code", "")  # stand-ins in tests may lack the field
    if carried in BY_CODE:
        return BY_CODE[carried]
    details = None
    transport = fax.transport
    if attempt is not None and attempt.success is False:
        transport = attempt.transport or transport
        if attempt.result_code == fax.error_code:
            details = attempt.details
    return lookup(fax.error_code, fax.error_message, transport, details)


def for_rejection(code: str) -> Failure:
    """The entry of a document library ``RejectionCode``."""
    return _BY_REJECTION[code]


def for_exception(exc: BaseException) -> Failure:
    """The entry an exception carries (every :class:`FaxFailure`); for any other, the one its
    text matches (``unknown`` when none does)."""
    if isinstance(exc, FaxFailure):
        return exc.failure
    return lookup(None, getattr(exc, "message", "") or str(exc))


class FaxFailure(Exception):
    """The one family of failures: each carries its entry of the table (``failure``).

    ``permanent`` (trying again cannot help) follows the entry's ``retryable`` flag unless
    the raiser knows better and says so (an HTTP 5xx is worth another try, a 4xx is not).
    Subclasses name their usual entry in ``default_failure``; a raiser may name another.
    """

    default_failure: ClassVar[str] = "unknown"
    # Raised without a code, may the message name another entry of the default's category?
    # (For families whose older raisers wrote the reason in the message only.)
    reads_message: ClassVar[bool] = False

    def __init__(
        self, message: str, *, failure: Failure | str | None = None, permanent: bool | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if failure is None:
            failure = self.default_failure
            if self.reads_message:
                found = lookup(None, message)
                if found.category == BY_CODE[failure].category:
                    failure = found
        self.failure: Failure = BY_CODE[failure] if isinstance(failure, str) else failure
        self.permanent: bool = (not self.failure.retryable) if permanent is None else permanent

    @property
    def failure_code(self) -> str:
        return self.failure.code


def numbers_of(failures: Iterable[Failure]) -> set[int]:
    return {number for failure in failures for number in failure.numbers}


# --- how the portal's pages word it -------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A failure as the portal shows it on a fax: plain words, then the technical detail."""

    failure: Failure
    explanation: str
    advice: str
    retrying: bool
    next_attempt_at: Any  # datetime or None
    attempts_made: int
    attempts_allowed: int
    technical: str  # e.g. "T.30 5149: the call dropped prematurely"
    stored_text: str  # what the transport or engine wrote

    @property
    def code(self) -> str:
        return self.failure.code


def _where(fax: Any, attempt: Any) -> str:
    if attempt is None or attempt.success is not False:
        return ""
    sent = attempt.pages_sent or 0
    if sent == 0:
        return " " + gettext("before the first page was through")
    if fax.pages and sent >= fax.pages:
        return " " + gettext("after the last page")
    return " " + gettext("during page %(page)s") % {"page": sent + 1}


def _technical(failure: Failure, number: int | None) -> str:
    if number is not None and T30 <= number <= T30 + max(CompletionCode):
        return f"T.30 {number}: {error_description_for(number)}"
    if number is not None and 1 <= number <= 127:
        return gettext("Q.850 cause %(number)s") % {"number": number}
    return failure.technical


def notice(fax: Any, attempt: Any = None) -> Notice | None:
    """How to show why ``fax`` failed or waits to retry; None when it did neither."""
    failure = for_fax(fax, attempt)
    if failure is None:
        return None
    retrying = fax.status == "retrying"
    return Notice(
        failure=failure,
        # In the reader's language: the table's texts are the catalogue's messages.
        explanation=gettext(failure.explanation).format(where=_where(fax, attempt)),
        advice=gettext(failure.advice),
        retrying=retrying,
        next_attempt_at=fax.next_attempt_at if retrying else None,
        attempts_made=fax.attempt_count,
        attempts_allowed=max(1, fax.max_attempts or 1),
        technical=_technical(failure, fax.error_code),
        stored_text=fax.error_message,
    )


def last_finished_attempt(fax: Any) -> Any:
    """The fax's last finished attempt (its carrier's own reason, where the failure came)."""
    return fax.attempts.filter(success__isnull=False).order_by("-number").first()


def as_data(fax: Any) -> dict[str, Any] | None:
    """Why ``fax`` failed or waits to retry, for machines (webhook payloads), in English:
    ``code``, ``category``, ``retryable``, ``summary``, ``explanation``, ``advice``; None
    when it did neither."""
    if fax.status not in ("failed", "retrying"):
        return None
    with override("en"):
        found = notice(fax, last_finished_attempt(fax))
        if found is None:
            return None
        return {
            "code": found.code,
            "category": str(found.failure.category),
            "retryable": found.failure.retryable,
            "summary": str(found.failure.summary),
            "explanation": found.explanation,
            "advice": found.advice,
        }


def rejection_text(exc: Any) -> str:
    """A refused document (``DocumentRejected``) as the reader's language says it: in English
    the document library's own message, as the APIs give it; in another language this table's
    translated explanation and advice, naming the file."""
    if (get_language() or "en").split("-")[0] == "en":
        return exc.message
    failure = for_exception(exc)
    text = f"{gettext(failure.explanation).format(where='')} {gettext(failure.advice)}"
    if getattr(exc, "filename", ""):
        return gettext("“%(file)s”: %(text)s") % {"file": exc.filename, "text": text}
    return text
