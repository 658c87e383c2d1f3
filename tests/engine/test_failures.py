"""The one failure table: every failure the engine, the transports, the document library
and the fetcher produce finds its entry, with a retryable flag that agrees with what the
engine does and a Kazoo result_code of Kazoo's kind."""

from __future__ import annotations

import pytest

from faxes import failures
from faxes.carriers.base import TransportError, TxResult
from faxes.carriers.signalwire import transport as signalwire
from faxes.carriers.telnyx import transport as telnyx
from faxes.documents import DocumentLimits, accept_document
from faxes.documents.errors import DocumentRejected, RejectionCode
from faxes.fetch import DocumentFetchError
from faxes.modem.codes import CompletionCode, error_description_for
from tests.carriers.test_mapping import TELNYX_REASONS
from tests.documents.factories import encrypted_pdf, png_bomb, text_pdf

SIP_LIKE = {0, 200, 403, 404, 408, 410, 480, 484, 486, 487, 488, 500, 502, 503, 603}


def test_every_entry_is_complete_and_its_code_stable():
    codes = [failure.code for failure in failures.FAILURES]
    assert len(codes) == len(set(codes))
    for failure in failures.FAILURES:
        assert failure.code.isidentifier() and failure.code == failure.code.lower()
        assert failure.technical and failure.summary and failure.advice
        assert failure.explanation.format(where="").endswith(".")
        assert failure.kazoo.code in SIP_LIKE
        assert failures.get(failure.code) is failure
        assert failure.api_code("voxtelesys") is None  # the slot exists; mapped later


@pytest.mark.parametrize("n", range(1, max(CompletionCode) + 1))
def test_every_t30_completion_code_has_its_entry(n):
    found = failures.lookup(5100 + n)
    assert found.category == failures.Category.T30 and found.code != "t30_failed"
    # The engine retries every T.30 failure but resolution and page size.
    assert found.retryable == (n not in (CompletionCode.NORESSUPPORT, CompletionCode.NOSIZESUPPORT))
    # Kazoo saw the call answered and hung up normally; the T.30 outcome is in result_text.
    assert (found.kazoo.code, found.kazoo.cause) == (200, "NORMAL_CLEARING")
    # A transport that stored only spandsp's text finds the same entry.
    assert failures.lookup(None, error_description_for(5100 + n)) is found


@pytest.mark.parametrize(
    ("number", "code", "sip"),
    [(17, "busy", 486), (18, "no_answer", 480), (19, "no_answer", 480),
     (1, "number_not_in_service", 404), (28, "invalid_number_format", 484),
     (88, "not_a_fax_machine", 488), (21, "call_rejected", 603), (34, "network_busy", 503),
     (102, "destination_timeout", 408), (99, "call_failed", 480)],
)  # fmt: skip
def test_call_failures_by_q850_cause(number, code, sip):
    found = failures.lookup(number)
    assert found.code == code and found.category == failures.Category.CALL
    assert found.kazoo.code == sip


@pytest.mark.parametrize("reason", TELNYX_REASONS)
def test_every_telnyx_failure_reason_finds_an_entry_that_agrees_on_retrying(reason):
    status = telnyx.status_from("f1", "failed", {"failure_reason": reason})
    result = status.result
    found = failures.lookup(result.result_code, result.result_text, "telnyx", result.details)
    assert found is not failures.UNKNOWN, reason
    assert found.retryable == (not status.permanent), reason


@pytest.mark.parametrize(
    ("status", "message"),
    [("busy", ""), ("no-answer", ""), ("canceled", ""),
     ("failed", "Connection failed"), ("failed", "Document generation error"),
     ("failed", "Document loading error"), ("failed", "Fax transmission not established"),
     ("failed", "far end cannot receive at the resolution of the image"),
     ("failed", "something SignalWire never documented")],
)  # fmt: skip
def test_every_signalwire_report_finds_an_entry_that_agrees_on_retrying(status, message):
    read = signalwire.status_from({"FaxSid": "FX1", "FaxStatus": status, "ErrorMessage": message})
    result = read.result
    found = failures.lookup(result.result_code, result.result_text, "signalwire", result.details)
    assert found is not failures.UNKNOWN
    assert found.retryable == (not read.permanent)


def _rejection(data: bytes, **limits) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        accept_document(data, filename="scan.pdf", limits=DocumentLimits(**limits))
    return caught.value


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: _rejection(b""), RejectionCode.EMPTY),
        (lambda: _rejection(b"MZ\x90\x00 an executable"), RejectionCode.UNSUPPORTED_TYPE),
        (lambda: _rejection(encrypted_pdf()), RejectionCode.ENCRYPTED),
        (lambda: _rejection(b"%PDF-1.4\n1 0 obj garbage"), RejectionCode.CORRUPT),
        (lambda: _rejection(text_pdf(3), max_pages=2), RejectionCode.TOO_MANY_PAGES),
        (lambda: _rejection(text_pdf(1), max_bytes=1024), RejectionCode.TOO_LARGE),
        (lambda: _rejection(png_bomb()), RejectionCode.TOO_MANY_PIXELS),
    ],
)
def test_every_document_rejection_has_its_entry_by_code_and_by_stored_text(make, code):
    exc = make()
    assert exc.code == code
    found = failures.for_exception(exc)
    assert found.rejection == code and found.category == failures.Category.DOCUMENT
    assert not found.retryable and found.kazoo.code == 0  # Kazoo's "bad_file"
    # What the engine stores is only the message: it leads to the same entry.
    assert failures.lookup(None, exc.message) is found


def test_every_rejection_code_is_in_the_table():
    assert {f.rejection for f in failures.FAILURES if f.rejection} == set(RejectionCode)


@pytest.mark.parametrize(
    ("message", "permanent", "code"),
    [
        ("could not retrieve file, HTTP response 404", True, "fetch_refused"),
        ("could not retrieve file, HTTP response 503", False, "fetch_unavailable"),
        ("could not retrieve file, HTTP response 429", False, "fetch_unavailable"),
        ("could not retrieve file: timed out", False, "fetch_unavailable"),
        ("could not retrieve file: cannot connect to example.org", False, "fetch_unavailable"),
        ("could not retrieve file: invalid URL", True, "fetch_not_allowed"),
        ("could not retrieve file: the address 10.0.0.1 is not allowed", True,
         "fetch_not_allowed"),
    ],
)  # fmt: skip
def test_fetch_failures(message, permanent, code):
    found = failures.for_exception(DocumentFetchError(message, permanent=permanent))
    assert found.code == code and found.category == failures.Category.FETCH
    assert found.retryable == (not permanent)


def test_transport_errors_are_read_from_their_result():
    busy = TransportError("busy", permanent=False, result=TxResult(False, 17, "busy"))
    assert failures.for_exception(busy).code == "busy"
    not_on_net = TransportError(
        "+15551234567 is not a number of this portal; the loopback transport delivers only "
        "between its own faxboxes (configure a carrier transport)",
        permanent=True,
    )
    assert failures.for_exception(not_on_net).code == "not_routable"


def test_the_page_a_line_dropped_on_is_in_the_explanation():
    class Fax:
        status, error_code, error_message, transport = "retrying", 5149, "dropped", "loopback"
        pages, attempt_count, max_attempts, next_attempt_at = 3, 1, 3, None

    class Attempt:
        success, result_code, result_text, transport, details = False, 5149, "", "loopback", {}
        pages_sent = 1

    notice = failures.notice(Fax(), Attempt())
    assert notice.code == "t30_hung_up" and "during page 2" in notice.explanation
    assert notice.technical == "T.30 5149: the call dropped prematurely"
