"""Paper sizes: every page is laid out for a paper (Letter, A4, Legal, B4) and is never
taller than it, header line included, whatever the input's own size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from faxes.documents import (
    CoverPage,
    FaxHeader,
    PaperSize,
    RenderOptions,
    Resolution,
    accept_document,
    combine_documents,
    encoded_page_sizes,
    iter_fax_pages,
    render_fax_tiff,
)

from . import factories
from .helpers import ink_bbox, tiff_pages, tiff_tags

HEADER = FaxHeader(
    text="ACME", sender_number="+15551230000", sent_at=datetime(2024, 3, 1, tzinfo=UTC)
)
LEGAL = (612.0, 1008.0)
INPUTS = {"letter": factories.LETTER, "a4": factories.A4, "legal": LEGAL}
# (dots across, most rows at 204 x 196): T.4's 215 mm line, 255 mm for B4.
PAPER_DOTS = {
    PaperSize.LETTER: (1728, 2156),
    PaperSize.A4: (1728, 2292),
    PaperSize.LEGAL: (1728, 2744),
    PaperSize.B4: (2048, 2809),
}
OWN_ROWS = {"letter": 2156, "a4": 2292, "legal": 2744}


def test_paper_dimensions_at_fax_resolution() -> None:
    for paper, (width, rows) in PAPER_DOTS.items():
        assert (paper.width_dots, paper.rows()) == (width, rows)
        assert paper.rows(Resolution.STANDARD) == round(rows / 2)


def pages(pdf: bytes, paper: PaperSize, resolution=Resolution.FINE, header=HEADER):
    return list(iter_fax_pages(pdf, resolution=resolution, header=header, paper=paper))


@pytest.mark.parametrize("paper", list(PaperSize))
@pytest.mark.parametrize("source", list(INPUTS))
@pytest.mark.parametrize("resolution", list(Resolution))
def test_no_page_is_taller_than_its_paper(paper, source, resolution) -> None:
    pdf = factories.text_pdf(1, size=INPUTS[source])
    (page,) = pages(pdf, paper, resolution)
    width, rows = PAPER_DOTS[paper]
    limit = min(rows, OWN_ROWS[source])  # nor taller than the paper it was written on
    if resolution is Resolution.STANDARD:
        limit = (limit + 1) // 2
    assert page.width == width
    assert page.height <= limit
    # ... and no shorter than it needs to be: the page fills its paper's length.
    assert page.height >= limit - 2


def test_the_old_a4_leftover_is_gone() -> None:
    """A4 filling the 215 mm line was 12.2 in tall with the header line; now it is A4."""
    (page,) = pages(factories.text_pdf(1, size=factories.A4), PaperSize.A4)
    assert page.size == (1728, 2292)
    assert page.height == round(297 / 25.4 * 196)


@pytest.mark.parametrize("paper", list(PaperSize))
def test_the_cover_page_fills_its_paper_exactly(paper) -> None:
    combined = combine_documents([], cover=CoverPage(subject="Hello"), paper=paper)
    (page,) = pages(combined.pdf, paper)
    assert page.size == PAPER_DOTS[paper]


def test_longer_papers_keep_longer_pages() -> None:
    legal = factories.text_pdf(1, size=LEGAL)
    (on_letter,) = pages(legal, PaperSize.LETTER)
    (on_legal,) = pages(legal, PaperSize.LEGAL)
    assert on_letter.height == 2156 and on_legal.height == 2744

    # On Letter the Legal page is scaled down (narrower), on Legal it fills the line.
    def text_width(page):
        left, _, right, _ = ink_bbox(page.crop((0, 40, page.width, page.height)))
        return right - left

    assert text_width(on_letter) < 0.85 * text_width(on_legal)


def test_a_letter_page_on_longer_paper_stays_letter_long() -> None:
    (page,) = pages(factories.text_pdf(1), PaperSize.LEGAL)
    assert page.height == 2156


@pytest.mark.parametrize("paper", [PaperSize.LETTER, PaperSize.A4, PaperSize.LEGAL])
def test_images_are_fitted_to_the_paper(paper) -> None:
    # No resolution tags: the photo is fitted into the paper, not given a size of its own.
    photo = accept_document(factories.phone_photo_jpeg((1200, 2400)), filename="tall.jpg")
    combined = combine_documents([photo], paper=paper)
    (page,) = pages(combined.pdf, paper)
    assert page.height <= PAPER_DOTS[paper][1]
    assert page.height >= PAPER_DOTS[paper][1] - 2  # a tall photo uses the whole length


def test_b4_is_2048_dots_wide_in_the_tiff(tmp_path) -> None:
    path = tmp_path / "b4.tiff"
    combined = combine_documents(
        [accept_document(factories.text_pdf(2), filename="a.pdf")],
        cover=CoverPage(subject="B4"),
        paper=PaperSize.B4,
    )
    render_fax_tiff(combined.pdf, path, RenderOptions(header=HEADER, paper=PaperSize.B4))
    tags = tiff_tags(path.read_bytes())
    assert [tag[256] for tag in tags] == [2048, 2048, 2048]
    assert tags[0][257] == 2809
    assert all(page.width == 2048 for page in tiff_pages(path.read_bytes()))
    assert len(encoded_page_sizes(combined.pdf, header=HEADER, paper=PaperSize.B4)) == 3
