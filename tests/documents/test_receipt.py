"""The transmission receipt PDF."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, datetime

import pypdfium2 as pdfium
from pypdf import PdfReader

from faxes.documents import ReceiptData, render_receipt_pdf
from faxes.documents.receipt import receipt_rows

from .helpers import ink


def receipt(document: bytes | None) -> ReceiptData:
    return ReceiptData(
        fax_id="f" * 32,
        status="delivered",
        from_number="+15551230000",
        from_name="Acme Clinic",
        to_number="+33123456789",
        faxbox_name="Front desk",
        pages_sent=3,
        pages_total=3,
        t30_result="0: OK",
        attempts=2,
        started_at=datetime(2024, 5, 2, 9, 15, 0, tzinfo=UTC),
        ended_at=datetime(2024, 5, 2, 9, 17, 5, tzinfo=UTC),
        remote_station_id="+33 1 23 45 67 89",
        timezone="Europe/Paris",
        document=document,
    )


def render_page(pdf: bytes):
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=150 / 72, grayscale=True).to_pil().convert("L")
        size = page.get_size()
        page.close()
        return image, size
    finally:
        document.close()


def test_receipt_is_one_letter_page_with_its_facts(letter_pdf: bytes) -> None:
    pdf = render_receipt_pdf(receipt(letter_pdf))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == (
        612.0,
        792.0,
    )
    meta = reader.metadata
    assert meta.title == "Fax receipt " + "f" * 32
    assert "delivered" in meta.subject and "+33123456789" in meta.subject
    assert "t30=0: OK" in meta["/Keywords"]


def test_receipt_rows_cover_everything_asked_for() -> None:
    rows = dict(receipt_rows(receipt(None)))
    assert rows["From"] == "Acme Clinic (+15551230000)"
    assert rows["To"] == "+33123456789"
    assert rows["Faxbox"] == "Front desk"
    assert rows["Pages sent"] == "3 of 3"
    assert rows["Status"] == "DELIVERED"
    assert rows["T.30 result"] == "0: OK"
    assert rows["Attempts"] == "2"
    assert rows["Started"] == "2024-05-02 11:15:00 CEST"  # the faxbox's timezone
    assert rows["Ended"] == "2024-05-02 11:17:05 CEST (2 min 5 s)"
    assert rows["Remote station ID"] == "+33 1 23 45 67 89"


def test_receipt_shows_a_reduced_first_page(letter_pdf: bytes) -> None:
    with_page, _ = render_page(render_receipt_pdf(receipt(letter_pdf)))
    without, _ = render_page(render_receipt_pdf(receipt(None)))
    thumb_area = (100, 800, 600, 1500)  # below the table, at 150 dpi
    assert ink(with_page, thumb_area) > 0.02
    assert ink(without, thumb_area) == 0
    assert ink(with_page, (100, 100, 1100, 700)) > 0.02  # title and table


def test_receipt_from_a_fax_tiff(fax_tiff: bytes) -> None:
    image, _ = render_page(render_receipt_pdf(receipt(fax_tiff)))
    assert ink(image, (100, 800, 600, 1500)) > 0.01


def test_a_broken_document_still_gives_a_receipt(caplog) -> None:
    data = replace(receipt(b"%PDF-1.4 broken"), status="failed", t30_result="49: No answer")
    with caplog.at_level(logging.WARNING):
        pdf = render_receipt_pdf(data)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "page 1 could not be rendered" in caplog.text


def test_missing_times_and_names() -> None:
    data = ReceiptData(fax_id="x", status="failed", from_number="", to_number="+1555")
    rows = dict(receipt_rows(data))
    assert rows["Started"] == rows["Ended"] == "—"
    assert rows["From"] == "—"
    assert len(PdfReader(io.BytesIO(render_receipt_pdf(data))).pages) == 1
