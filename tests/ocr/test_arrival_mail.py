"""The arrival e-mail of a received fax: with OCR on it waits for the text layer and carries
the searchable PDF; without OCR it goes at filing; it names the sender from the address book,
links to the fax in the portal, and goes once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from faxes import services
from faxes.models import Contact, Fax, OcrStatus
from faxes.services import notify, ocr
from tests.ocr.pages import WORDS, fax_page_tiff, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


def receive() -> Fax:
    fax = services.receive_fax(
        to_number="+12025550120", from_number="+12025550199", data=fax_page_tiff(),
        transport="test", carrier_fax_id="c-1",
    )  # fmt: skip
    fax.refresh_from_db()
    return fax


def attached_pdf(message) -> bytes:
    [(name, data, mime)] = message.attachments
    assert mime == "application/pdf" and name.endswith(".pdf")
    return data


def test_with_ocr_the_mail_carries_the_searchable_pdf_once(pharmacy, settings):
    settings.FAXPORTAL_BASE_URL = "https://fax.example.test"
    Contact.objects.create(account=pharmacy.account, name="Dr Quinn", fax_number="+12025550199")
    fax = receive()
    assert fax.ocr_status == OcrStatus.DONE and fax.inbound_mailed_at is not None
    [message] = mail.outbox
    text = pdf_text(attached_pdf(message))
    assert all(word in text for word in WORDS.split()), text
    assert "Dr Quinn (+12025550199)" in message.subject
    assert f"https://fax.example.test/faxes/{fax.pk}/" in message.body
    # Nothing sends it twice: the task again, the sweeper long after.
    assert notify.notify_inbound(fax.pk) == 0
    assert notify.rescue_inbound(timezone.now() + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_without_ocr_the_mail_goes_at_filing_with_the_pdf_as_received(pharmacy, settings):
    settings.FAXPORTAL_OCR = False
    fax = receive()
    assert fax.ocr_status == "" and fax.inbound_mailed_at is not None
    [message] = mail.outbox
    assert pdf_text(attached_pdf(message)).strip() == ""
    assert "+12025550199" in message.subject and f"/faxes/{fax.pk}/" in message.body


def test_without_tesseract_the_mail_goes_at_filing(pharmacy, monkeypatch):
    monkeypatch.setattr(ocr.reader, "tesseract_path", lambda: None)
    fax = receive()
    assert fax.ocr_status == OcrStatus.SKIPPED and len(mail.outbox) == 1


def test_a_fax_whose_ocr_never_ends_gets_its_mail_from_the_sweeper(pharmacy, monkeypatch):
    monkeypatch.setattr(ocr.ocr_fax_task, "delay_on_commit", lambda fax_id: None)  # lost
    fax = receive()
    assert fax.ocr_status == OcrStatus.PENDING and mail.outbox == []
    assert notify.rescue_inbound(timezone.now()) == 0  # not overdue yet
    assert notify.rescue_inbound(timezone.now() + timedelta(hours=1)) == 1
    assert len(mail.outbox) == 1
    # OCR that ends after all does not mail again.
    assert ocr.read_fax(fax.pk) == "done"
    assert notify.rescue_inbound(timezone.now() + timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1


def test_ocr_given_up_by_the_sweeper_sends_the_mail(pharmacy, monkeypatch, settings):
    monkeypatch.setattr(ocr.ocr_fax_task, "delay_on_commit", lambda fax_id: None)
    fax = receive()
    Fax.objects.filter(pk=fax.pk).update(
        ocr_status=OcrStatus.READING, ocr_attempts=settings.FAXPORTAL_OCR_TRIES,
        ocr_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip
    ocr.rescue(timezone.now())
    assert Fax.objects.get(pk=fax.pk).ocr_status == OcrStatus.FAILED
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back(pharmacy, settings, monkeypatch):
    settings.FAXPORTAL_OCR = False
    monkeypatch.setattr(ocr.ocr_fax_task, "delay_on_commit", lambda fax_id: None)
    monkeypatch.setattr(notify.notify_inbound_task, "delay_on_commit", lambda fax_id: None)
    fax = receive()

    def down(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notify.EmailMessage, "send", down)
    with pytest.raises(OSError):
        notify.notify_inbound(fax.pk)
    assert Fax.objects.get(pk=fax.pk).inbound_mailed_at is None
    monkeypatch.undo()
    assert notify.notify_inbound(fax.pk) == 1
