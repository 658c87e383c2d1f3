"""One failure vocabulary, exception side: every failure family is a FaxFailure carrying its
entry of faxes.failures; the engine keeps the code it carried, and reads old rows by text."""

from __future__ import annotations

import pytest
from django.core import mail

from faxes import failures, services
from faxes.carriers.base import TransportError, TxResult
from faxes.carriers.common import CallbackRejected, CarrierNotConfigured
from faxes.carriers.http import CarrierHTTPError
from faxes.carriers.loopback import transport as loopback
from faxes.documents import DocumentRejected, RejectionCode
from faxes.failures import FaxFailure
from faxes.fetch import DocumentFetchError
from faxes.models import Fax, FaxStatus
from faxes.services import inbound, outbound
from faxes.webhooks.http import DeliveryError
from faxes.webhooks.payloads import fax_data
from tests.factories import text_pdf


@pytest.mark.parametrize(
    ("error", "code", "permanent"),
    [
        (TransportError("busy", result=TxResult(False, 17, "busy")), "busy", False),
        (CarrierHTTPError("request to x timed out"), "carrier_unavailable", False),
        (CarrierHTTPError("HTTP 404", status=404, permanent=True), "carrier_unavailable", True),
        (DocumentFetchError("x", failure="fetch_refused"), "fetch_refused", True),
        (DocumentFetchError("x", failure="fetch_unavailable"), "fetch_unavailable", False),
        # a name that does not exist: unavailable in kind, but it will not come back
        (DocumentFetchError("x", failure="fetch_unavailable", permanent=True),
         "fetch_unavailable", True),
        (DocumentRejected(RejectionCode.ENCRYPTED, "locked"), "document_encrypted", True),
        (DeliveryError("cannot connect"), "webhook_undeliverable", False),
        (inbound.UnroutableNumber("no faxbox owns this number"), "not_routable", True),
        (CallbackRejected(403, "bad signature"), "callback_refused", True),
        (CarrierNotConfigured("telnyx is not fully configured"), "carrier_not_configured", True),
    ],
)  # fmt: skip
def test_every_family_carries_its_table_entry(error, code, permanent):
    assert isinstance(error, FaxFailure)
    assert error.failure is failures.get(code) and error.failure_code == code
    assert error.permanent is permanent
    assert failures.for_exception(error) is error.failure
    assert error.message  # every family has the message its callers show


def test_the_old_class_names_keep_their_bases():
    assert issubclass(DocumentRejected, ValueError)  # callers catching ValueError keep working
    for family in (TransportError, CarrierHTTPError, DocumentFetchError, DocumentRejected,
                   DeliveryError, inbound.UnroutableNumber, CallbackRejected,
                   CarrierNotConfigured):  # fmt: skip
        assert issubclass(family, FaxFailure)


def _send(faxbox, to: str) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to], max_attempts=1,
        documents=[services.UploadedFile(text_pdf(1), "doc.pdf")],
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_the_code_the_failure_carried(clinic, monkeypatch):
    def unreadable(fax):  # a message no text pattern of the table knows
        raise DocumentRejected(RejectionCode.CORRUPT, "zz: something odd")

    monkeypatch.setattr(outbound, "convert", unreadable)
    fax = _send(clinic, "+12025550120")
    assert fax.status == FaxStatus.FAILED and fax.failure_code == "document_corrupt"
    assert failures.for_fax(fax).code == "document_corrupt"
    # A row stored before the code was kept is still read by its message.
    Fax.objects.filter(pk=fax.pk).update(failure_code="")
    fax.refresh_from_db()
    assert failures.for_fax(fax).code == "unknown"


@pytest.mark.django_db(transaction=True)
def test_a_delivered_fax_has_no_failure_code_a_failed_one_keeps_its_own(clinic, pharmacy):
    fax = _send(clinic, "+12025550120")
    assert fax.status == FaxStatus.DELIVERED and fax.failure_code == ""
    fax = _send(clinic, loopback.BUSY)  # a loopback TransportError: its code is kept
    assert fax.status == FaxStatus.FAILED and fax.failure_code == "busy"


@pytest.mark.django_db(transaction=True)
def test_webhook_payload_and_e_mail_explain_the_failure_in_plain_words(clinic, pharmacy):
    mail.outbox.clear()
    fax = _send(clinic, loopback.NOT_A_FAX)
    assert fax.status == FaxStatus.FAILED
    entry = failures.get("not_a_fax_machine")
    data = fax_data(fax)
    assert data["error_code"] == fax.error_code  # the existing fields are unchanged
    assert data["failure"] == {
        "code": "not_a_fax_machine",
        "category": str(entry.category),
        "retryable": False,
        "summary": entry.summary,
        "explanation": entry.explanation.format(where=" before the first page was through"),
        "advice": entry.advice,
    }
    [message] = [m for m in mail.outbox if "failed" in m.subject]
    assert f"What happened: {data['failure']['explanation']}" in message.body
    assert f"What to do: {entry.advice}" in message.body
    assert "Failure: not_a_fax_machine" in message.body
    delivered = _send(clinic, "+12025550120")
    assert fax_data(delivered)["failure"] is None
