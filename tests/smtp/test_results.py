"""The final result of a fax made from e-mail goes back to its sender, threaded on the
original message: the receipt PDF when delivered, the plain explanation when failed."""

from __future__ import annotations

import io

import pytest
from django.core import mail as outbox
from pypdf import PdfReader

from faxes.models import Fax, FaxStatus, SmtpLog
from faxes.services import mail_in, outbound, receipts
from faxportal.celery import app as celery_app
from tests.smtp.conftest import mail
from tests.smtp.test_gateway import _send


@pytest.fixture(autouse=True)
def eager():
    """The result notification is a task sent on commit: run it inline."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _fax_by_mail(gateway, box, dns, number: str):
    message = mail(to=[box.to(number)])
    assert _send(gateway, message, raw=dns.sign(message.as_bytes(), "clinic.example")) == {}
    mail_in.process_message(SmtpLog.objects.get().pk)  # (the gateway's task did it)
    [fax_id] = SmtpLog.objects.get().fax_ids
    fax = Fax.objects.get(pk=fax_id)
    if fax.status not in (FaxStatus.DELIVERED, FaxStatus.FAILED):
        outbound.process_fax(fax_id)
    return message, Fax.objects.get(pk=fax_id)


def _threaded(reply, message) -> None:
    assert reply.to == ["doctor@clinic.example"]
    assert reply.extra_headers["In-Reply-To"] == message["Message-ID"]
    assert reply.extra_headers["References"] == message["Message-ID"]
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"


def _to(address: str) -> list:
    """The results sent to ``address`` (not the acknowledgement, tested in test_gateway)."""
    return [m for m in outbox.outbox if m.to == [address] and "queued" not in m.subject]


def test_delivered_goes_back_threaded_with_the_receipt(gateway, box, dns, pharmacy):
    message, fax = _fax_by_mail(gateway, box, dns, "2025550120")  # the pharmacy's number
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    [reply] = _to("doctor@clinic.example")  # one mail: not a second, unthreaded one
    _threaded(reply, message)
    assert reply.subject == "Fax to +12025550120 delivered: Lab results"
    [(name, data, mime)] = reply.attachments
    assert name.startswith("receipt-") and mime == "application/pdf"
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    assert data == receipts.receipt_pdf(fax)  # the fax's stored receipt


def test_failed_goes_back_threaded_with_the_plain_explanation(gateway, box, dns):
    message, fax = _fax_by_mail(gateway, box, dns, "12025550102")  # not on the loopback
    assert fax.status == FaxStatus.FAILED
    [reply] = _to("doctor@clinic.example")
    _threaded(reply, message)
    assert reply.subject == "Fax to +12025550102 failed: Lab results"
    assert "What happened:" in reply.body and "What to do:" in reply.body
    assert reply.attachments == []


def test_other_recipients_get_the_usual_result(gateway, box, dns, pharmacy):
    box.faxbox.notify_outbound_emails = ["office@clinic.example"]
    box.faxbox.save()
    message, _ = _fax_by_mail(gateway, box, dns, "2025550120")
    [threaded] = _to("doctor@clinic.example")
    _threaded(threaded, message)
    [usual] = _to("office@clinic.example")
    assert "In-Reply-To" not in usual.extra_headers
    assert usual.subject == "Fax to +12025550120 delivered"
