"""faxes.documents.ocr on its own: languages, page sources, and the setting."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from faxes.documents import RenderOptions, convert_inbound, render_fax_tiff
from faxes.documents import ocr as reader
from tests.ocr.pages import WORDS, fax_page_tiff, pdf_text, word_box
from tests.test_settings import ROOT, clean_env


def test_languages_follow_the_account_with_english_beside():
    installed = {"eng", "deu", "spa", "osd"}
    assert reader.languages_for("de", installed) == "deu+eng"
    assert reader.languages_for("es", installed) == "spa+eng"
    assert reader.languages_for("en", installed) == "eng"
    assert reader.languages_for("xx", installed) == "eng"
    assert reader.languages_for("de", {"eng"}) == "eng"  # German model not installed
    with pytest.raises(reader.OcrUnavailable):
        reader.languages_for("en", set())


def test_bootstrap_installs_the_models_the_portal_asks_for():
    assert {"eng", "deu", "spa"} <= reader.installed_languages()


def test_each_page_keeps_its_size_and_a_blank_page_stays_a_page(tmp_path):
    blank = io.BytesIO()
    Image.new("1", (1728, 2200), 1).save(blank, "TIFF", compression="group4", dpi=(204, 196))
    two = io.BytesIO()
    frames = [Image.open(io.BytesIO(fax_page_tiff())), Image.open(blank)]
    frames[0].save(two, "TIFF", compression="group4", dpi=(204, 196), save_all=True,
                   append_images=frames[1:])  # fmt: skip
    filed = convert_inbound(two.getvalue(), tmp_path / "fax.tiff")
    result = reader.add_text_layer(filed.pdf, (tmp_path / "fax.tiff").read_bytes(), languages="eng")
    assert result.pages == 2 and "Miller" in result.text.split("\f")[0]
    before, after = PdfReader(io.BytesIO(filed.pdf)), PdfReader(io.BytesIO(result.pdf))
    assert [p.mediabox for p in after.pages] == [p.mediabox for p in before.pages]
    assert "Miller" in (after.pages[0].extract_text() or "")
    assert not (after.pages[1].extract_text() or "").strip()
    # The words lie where the page shows them: drawn 100 px from the left and 200 px from
    # the top of a Letter page at 150 dpi, i.e. 48 pt and 96 pt.
    left, _bottom, _right, top = word_box(result.pdf, "Prescription")
    page_top = float(after.pages[0].mediabox.top)
    assert abs(left - 48) < 15 and abs(page_top - top - 96) < 20, (left, top)


def test_a_page_turned_by_rotate_gets_its_words_where_they_are_shown():
    """A received PDF whose portrait page is shown landscape (/Rotate 90): read as shown,
    the words are put back into the page's own coordinates."""
    shown = Image.new("L", (1650, 1275), 255)  # as displayed: Letter landscape, 150 dpi
    ImageDraw.Draw(shown).text((100, 200), WORDS, fill=0, font=ImageFont.load_default(size=40))
    stored = io.BytesIO()
    shown.rotate(90, expand=True).save(stored, "PDF", resolution=150)  # content turned back
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(stored.getvalue())))
    writer.pages[0].rotation = 90
    rotated = io.BytesIO()
    writer.write(rotated)
    result = reader.add_text_layer(rotated.getvalue(), None, languages="eng")
    assert all(word in result.text for word in WORDS.split()), result.text
    # Shown 48 pt from the left and 96 pt from the top; in the unrotated page that is
    # 96 pt from the left edge (x) and 48 pt up from the bottom (y).
    left, bottom, right, top = word_box(result.pdf, "Prescription")
    assert 90 < left < 125 and abs(bottom - 48) < 15 and top - bottom > right - left, (
        left, bottom, right, top,
    )  # fmt: skip


def test_a_landscape_pdf_turned_for_the_fax_is_read_from_its_own_pages(tmp_path):
    """A carrier's PDF with a landscape page: the fax TIFF has it turned, so the text
    layer comes from the PDF page itself and lies where its words are."""
    image = Image.new("L", (1650, 1275), 255)  # Letter landscape at 150 dpi
    ImageDraw.Draw(image).text((100, 200), WORDS, fill=0, font=ImageFont.load_default(size=40))
    pdf = io.BytesIO()
    image.save(pdf, "PDF", resolution=150)
    tiff = io.BytesIO()
    render_fax_tiff(pdf.getvalue(), tiff, RenderOptions())
    assert Image.open(io.BytesIO(tiff.getvalue())).height > 1728  # turned to portrait
    [page_image] = reader._page_images(pdf.getvalue(), tiff.getvalue())
    assert page_image.width > page_image.height  # read as the PDF shows it
    result = reader.add_text_layer(pdf.getvalue(), tiff.getvalue(), languages="eng")
    assert all(word in pdf_text(result.pdf) for word in WORDS.split()), result.text
    page = PdfReader(io.BytesIO(result.pdf)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)


def test_a_broken_pdf_is_an_ocr_failure_not_a_crash():
    with pytest.raises(reader.OcrFailed):
        reader.add_text_layer(b"%PDF-1.4 nonsense", None, languages="eng")


def setting(tmp_path, **env) -> subprocess.CompletedProcess:
    script = "import django; django.setup(); from django.conf import settings; "
    script += "print(settings.FAXPORTAL_OCR, settings.FAXPORTAL_OCR_TRIES)"
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, env=clean_env(tmp_path, **env))  # fmt: skip


def test_the_setting_is_on_by_default_and_reads_on_off(tmp_path):
    assert setting(tmp_path).stdout.split() == ["True", "3"]
    assert setting(tmp_path, FAXPORTAL_OCR="off").stdout.split() == ["False", "3"]
    refused = setting(tmp_path, FAXPORTAL_OCR="sometimes")
    assert refused.returncode != 0 and "FAXPORTAL_OCR must be one of" in refused.stderr
