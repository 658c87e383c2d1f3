"""The cover page."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdfium2 as pdfium
from pypdf import PdfReader

from faxes.documents import FAX_WIDTH, CoverPage, render_cover_pdf
from faxes.documents.cover import render_cover_image

from .helpers import ink

COVER = CoverPage(
    recipient_name="Dr. Émilie Dupont",
    recipient_number="+33 1 23 45 67 89",
    sender_name="Acme Clinic — Front desk",
    sender_number="+1 555 123 0000",
    subject="Lab results for patient 4711",
    message="Dear colleague,\n\nplease find the results attached.\n\nKind regards",
    sent_at=datetime(2024, 5, 2, 9, 15, tzinfo=UTC),
    timezone="Europe/Paris",
)


def row_ink(image, top: int, bottom: int) -> float:
    return ink(image, (100, top, FAX_WIDTH - 100, bottom))


def test_cover_is_drawn_at_fax_resolution() -> None:
    image = render_cover_image(COVER, page_count=4)
    assert image.mode == "1"
    # Letter's 11 in less the header line's 40 rows: with it, the fax page is the paper.
    assert image.size == (FAX_WIDTH, 11 * 196 - 40)


def test_cover_has_title_fields_and_message() -> None:
    image = render_cover_image(COVER, page_count=4)
    assert row_ink(image, 110, 260) > 0.05  # "FAX" title
    assert row_ink(image, 330, 900) > 0.02  # To / From / Date / Pages / Subject rows
    assert row_ink(image, 950, 1300) > 0.005  # message
    assert row_ink(image, 1500, 1950) == 0  # nothing drawn below a short message


def test_cover_text_is_big_enough_for_standard_resolution() -> None:
    """Body text must survive halving to 98 lpi: its letters are > 20 rows tall at fine."""
    image = render_cover_image(COVER, page_count=4)
    rows = [row_ink(image, y, y + 1) > 0 for y in range(330, 900)]
    runs, current = [], 0
    for has_ink in rows:
        if has_ink:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    text_rows = [run for run in runs if run > 5]  # rules are 3 rows thick
    assert len(text_rows) >= 6  # one inked band per field row
    assert min(text_rows) >= 20


def test_page_count_is_drawn() -> None:
    assert (
        render_cover_image(COVER, page_count=4).tobytes()
        != render_cover_image(COVER, page_count=5).tobytes()
    )


def test_long_message_is_cut_to_one_page() -> None:
    long = CoverPage(subject="S" * 500, message="word " * 5000, recipient_name="N" * 300)
    image = render_cover_image(long, page_count=2)
    assert image.size == (FAX_WIDTH, 11 * 196 - 40)
    pdf = render_cover_pdf(long, page_count=2)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_control_characters_and_empty_fields() -> None:
    image = render_cover_image(CoverPage(message="a\x00b\x1bc\r\nd"), page_count=1)
    assert row_ink(image, 110, 260) > 0.05


def test_cover_pdf_page_maps_one_to_one_onto_the_fax_page() -> None:
    pdf = render_cover_pdf(COVER, page_count=3)
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    assert round(width / 72 * 204) == FAX_WIDTH
    assert round(height / 72 * 196) == 11 * 196 - 40


def test_without_system_fonts_the_bundled_font_is_used(monkeypatch) -> None:
    import threading

    from faxes.documents import fonts

    monkeypatch.setattr(fonts, "_DEJAVU_DIRS", ())
    monkeypatch.setattr(fonts, "_cache", threading.local())
    image = render_cover_image(COVER, page_count=2)
    assert row_ink(image, 330, 900) > 0.02
