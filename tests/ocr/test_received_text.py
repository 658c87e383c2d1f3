"""Received faxes get a text layer after filing: searchable PDF, stored text, and a fax that
never waits for OCR nor suffers from it."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont
from pytesseract import pytesseract

from accounts.kazoo_auth import regenerate_api_key
from faxes import services
from faxes.documents import ocr as reader
from faxes.documents.faxspec import Resolution
from faxes.models import Fax, FaxStatus, OcrStatus
from faxes.services import ocr
from faxes.services.retention import purge_attachment
from faxportal.storage import EncryptedFileSystemStorage
from tests.conftest import session_client, token_client
from tests.factories import FaxboxFactory, FaxNumberFactory, UserFactory, text_pdf
from tests.kazoo.conftest import Kazoo
from tests.ocr.pages import WORDS, fax_page_tiff, pdf_text, read

pytestmark = pytest.mark.django_db(transaction=True)


def receive(data: bytes | None = None, **kwargs) -> Fax:
    values = {
        "to_number": "+12025550120", "from_number": "+12025550199",
        "data": data if data is not None else fax_page_tiff(), "transport": "test",
        "carrier_fax_id": "c-1",
    }  # fmt: skip
    values.update(kwargs)
    fax = services.receive_fax(**values)
    fax.refresh_from_db()
    return fax


def text_pdf_page_image() -> bytes:
    """A scanned page (Letter, 150 dpi, grey) with the known words, as PNG."""
    image = Image.new("L", (1275, 1650), 255)
    ImageDraw.Draw(image).text((100, 200), WORDS, fill=0, font=ImageFont.load_default(size=40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def test_a_fax_through_the_loopback_modem_gets_a_searchable_pdf(clinic, pharmacy):
    result = services.submit_fax(
        account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
        documents=[services.UploadedFile(text_pdf(1, text=WORDS), "renewal.pdf")],
    )  # fmt: skip
    sent = Fax.objects.get(pk=result.faxes[0].pk)
    assert sent.status == FaxStatus.DELIVERED, sent.error_message
    assert sent.ocr_status == ""  # sent faxes are not read
    received = Fax.objects.get(direction="inbound")
    assert received.status == FaxStatus.RECEIVED and received.ocr_status == OcrStatus.DONE
    assert received.ocr_attempts == 1 and received.ocr_at is not None
    for word in WORDS.split():
        assert word in received.text
    searchable = read(received.document)
    for word in WORDS.split():
        assert word in pdf_text(searchable)
    assert received.document.name.endswith(".pdf") and "searchable" in received.document.name


def test_standard_resolution_pages_are_read_too(pharmacy):
    fax = receive(fax_page_tiff(resolution=Resolution.STANDARD))
    assert fax.ocr_status == OcrStatus.DONE
    assert all(word in fax.text for word in WORDS.split()), fax.text
    assert all(word in pdf_text(read(fax.document)) for word in WORDS.split())


def test_the_fax_is_filed_before_ocr_runs_and_a_lost_message_is_sent_again(
    pharmacy, settings, monkeypatch
):
    monkeypatch.setattr(ocr.ocr_fax_task, "delay", lambda *args: None)  # the message is lost
    fax = receive()
    original = read(fax.document)
    assert fax.status == FaxStatus.RECEIVED and fax.ocr_status == OcrStatus.PENDING
    assert fax.text == "" and pdf_text(original).strip() == ""
    monkeypatch.undo()
    # The sweeper finds the fax overdue and wakes a worker again.
    assert services.sweep(now=later(settings.FAXPORTAL_REQUEUE_AFTER + 5))["ocr"] == 1
    fax.refresh_from_db()
    assert fax.ocr_status == OcrStatus.DONE and "Miller" in fax.text


def failing(monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise reader.OcrFailed("tesseract: simulated crash")

    monkeypatch.setattr(reader, "add_text_layer", broken)
    return calls


def test_a_failing_ocr_keeps_the_fax_and_its_pdf_and_tries_a_bounded_number_of_times(
    pharmacy, monkeypatch, settings, caplog
):
    calls = failing(monkeypatch)
    fax = receive()
    original_name, original = fax.document.name, read(fax.document)
    assert fax.status == FaxStatus.RECEIVED
    assert fax.ocr_status == OcrStatus.PENDING and fax.ocr_attempts == 1
    assert fax.ocr_at > timezone.now()  # tried again later, not at once
    # The sweeper sends it again once the wait is over, until the tries are spent.
    hours = 0
    while fax.ocr_status == OcrStatus.PENDING and hours < 10:
        hours += 1
        services.sweep(now=later(3600 * hours))
        fax.refresh_from_db()
    assert fax.ocr_status == OcrStatus.FAILED
    assert len(calls) == fax.ocr_attempts == settings.FAXPORTAL_OCR_TRIES
    assert "failed for good" in caplog.text
    assert fax.document.name == original_name and read(fax.document) == original
    assert services.sweep(now=later(3600 * 20))["ocr"] == 0  # given up: left alone
    # Staff download the fax as it came.
    admin = UserFactory(account=pharmacy.account, role="admin")
    response = session_client(admin).get(f"/faxes/{fax.pk}/fax.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == original


def test_an_unexpected_error_in_ocr_never_touches_the_fax(pharmacy, monkeypatch):
    def explode(*args, **kwargs):
        raise MemoryError("out of memory")  # not an OCR error: still contained

    monkeypatch.setattr(reader, "add_text_layer", explode)
    fax = receive()
    assert fax.status == FaxStatus.RECEIVED and fax.document
    assert fax.ocr_status == OcrStatus.PENDING and fax.ocr_attempts == 1


def test_without_tesseract_ocr_is_skipped_with_a_log_line(pharmacy, monkeypatch, caplog):
    monkeypatch.setattr(pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with caplog.at_level(logging.WARNING, logger="faxes.services.ocr"):
        fax = receive()
    assert fax.status == FaxStatus.RECEIVED and fax.ocr_status == OcrStatus.SKIPPED
    assert "tesseract is not installed" in caplog.text
    admin = UserFactory(account=pharmacy.account, role="admin")
    page = session_client(admin).get(f"/faxes/{fax.pk}/").content.decode()
    assert "Text recognition skipped" in page and "The PDF is searchable." not in page
    assert fax.text == "" and read(fax.document)[:5] == b"%PDF-"


def test_turned_off_nothing_is_asked(pharmacy, settings, monkeypatch):
    settings.FAXPORTAL_OCR = False
    calls = failing(monkeypatch)
    fax = receive()
    assert fax.ocr_status == "" and not calls
    assert services.sweep(now=later(7200))["ocr"] == 0


def test_a_received_pdf_with_text_keeps_its_own(pharmacy, monkeypatch):
    from tests.documents.factories import build_pdf, text_page

    calls = failing(monkeypatch)
    data = build_pdf([text_page(1)])
    fax = receive(data, filename="in.pdf")
    assert fax.ocr_status == OcrStatus.DONE and "Page 1 title" in fax.text and not calls
    assert read(fax.document) == data


def test_a_received_pdf_with_only_a_header_line_as_text_is_read(pharmacy):
    from tests.documents.factories import PageSpec, PlacedImage, TextLine, build_pdf

    scan = Image.open(io.BytesIO(text_pdf_page_image()))
    header = TextLine(54, 770, 9, "Clinic 2026-12-04 10:00 p. 1/1")
    data = build_pdf([PageSpec(lines=(header,), images=(PlacedImage(scan, (0, 0, 612, 792)),))])
    fax = receive(data, filename="in.pdf")
    assert fax.ocr_status == OcrStatus.DONE and "Miller" in fax.text
    assert "Miller" in pdf_text(read(fax.document))


def test_a_second_message_for_the_same_fax_does_nothing(pharmacy, monkeypatch):
    fax = receive()
    assert fax.ocr_status == OcrStatus.DONE
    calls = failing(monkeypatch)
    assert ocr.read_fax(fax.pk) == "busy" and not calls


def test_a_fax_purged_while_it_is_read_stays_purged(pharmacy, monkeypatch):
    monkeypatch.setattr(ocr.ocr_fax_task, "delay", lambda *args: None)
    fax = receive()
    real = reader.add_text_layer

    def purge_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        purge_attachment(Fax.objects.get(pk=fax.pk))
        return result

    monkeypatch.setattr(reader, "add_text_layer", purge_meanwhile)
    storage = fax.document.storage
    assert ocr.read_fax(fax.pk) == "done"
    fax.refresh_from_db()
    assert fax.document.name == "" and fax.attachment_purged_at and fax.text == ""
    _dirs, files = storage.listdir(f"faxes/{fax.account_id}/{fax.pk}")
    assert files == []  # the searchable copy was not left behind


def test_retention_purges_the_text_with_the_files(pharmacy):
    fax = receive()
    assert fax.text
    purge_attachment(fax)
    fax.refresh_from_db()
    assert fax.text == "" and fax.ocr_status == OcrStatus.DONE


def test_every_surface_downloads_the_searchable_pdf(acme, alice):
    faxbox = FaxboxFactory(account=acme.account, name="Front desk")
    FaxNumberFactory(faxbox=faxbox, number="+12025550170")
    fax = receive(to_number="+12025550170", carrier_fax_id="c-surfaces")
    assert fax.account == acme.account and fax.ocr_status == OcrStatus.DONE
    expected = read(fax.document)
    assert "Miller" in pdf_text(expected)

    staff = session_client(alice)
    ui = staff.get(f"/faxes/{fax.pk}/fax.pdf")
    assert ui.status_code == 200 and b"".join(ui.streaming_content) == expected
    page = staff.get(f"/faxes/{fax.pk}/").content.decode()
    assert "Text recognised" in page and "The PDF is searchable." in page and "Miller" in page

    v1 = token_client(acme.account, "fax:read").get(f"/api/v1/faxes/{fax.pk}/download")
    assert v1.status_code == 200 and b"".join(v1.streaming_content) == expected

    kazoo = Kazoo()
    status, body = kazoo.json("PUT", "/v2/api_auth", {"api_key": regenerate_api_key(acme.account)})
    assert status == 201
    kazoo.token = body["auth_token"]
    base = f"/v2/accounts/{acme.account.pk}"
    response = kazoo.call("GET", f"{base}/faxes/inbox/{fax.pk}/attachment")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content == expected


def test_a_worker_killed_mid_read_is_replaced_when_its_lease_runs_out(pharmacy, monkeypatch):
    monkeypatch.setattr(ocr.ocr_fax_task, "delay", lambda *args: None)
    fax = receive()
    # A worker claimed it and died: reading, its lease (ocr_at) not over yet.
    Fax.objects.filter(pk=fax.pk).update(
        ocr_status=OcrStatus.READING, ocr_attempts=1, ocr_at=later(600)
    )
    monkeypatch.undo()
    assert services.sweep(now=later(300))["ocr"] == 0  # still its lease
    assert services.sweep(now=later(601))["ocr"] == 1
    fax.refresh_from_db()
    assert fax.ocr_status == OcrStatus.DONE and fax.ocr_attempts == 2 and "Miller" in fax.text
    # One PDF is kept: the searchable one replaced the one received.
    _dirs, files = fax.document.storage.listdir(f"faxes/{fax.account_id}/{fax.pk}")
    assert [name for name in files if name.endswith(".pdf")] == [fax.document.name.split("/")[-1]]


def test_ocr_travels_on_its_own_queue():
    from faxportal.celery import app

    route = app.amqp.router.route({}, ocr.ocr_fax_task.name)
    assert route["queue"].name == "ocr"
    assert app.amqp.router.route({}, "faxes.process_fax")["queue"].name == "celery"


def test_storage_failing_while_the_searchable_pdf_is_stored_keeps_the_original(
    pharmacy, monkeypatch
):
    monkeypatch.setattr(ocr.ocr_fax_task, "delay", lambda *args: None)
    fax = receive()
    original_name, original = fax.document.name, read(fax.document)

    def unreachable(self, name, content, max_length=None):
        raise OSError("storage unreachable")

    monkeypatch.setattr(EncryptedFileSystemStorage, "save", unreachable)
    assert ocr.read_fax(fax.pk) == "retry"
    monkeypatch.undo()
    fax.refresh_from_db()
    assert fax.ocr_status == OcrStatus.PENDING and fax.ocr_attempts == 1
    assert fax.document.name == original_name and read(fax.document) == original
