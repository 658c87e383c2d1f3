"""The paper through the engine and the software modem: pages are rendered for the fax's
paper, and a Legal or B4 fax reaches a machine that takes only A4-length, 215 mm pages
fitted to it, not refused."""

from __future__ import annotations

import pytest
from PIL import Image

from faxes import services
from faxes.carriers.loopback import transport as loopback
from faxes.models import Fax, FaxStatus
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def eager(settings):
    from faxportal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def send(faxbox, to: str, **kwargs) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to],
        documents=[services.UploadedFile(text_pdf(1), "doc.pdf")],
        cover=services.CoverFields(subject="Sizes"), **kwargs,
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


def sent_sizes(fax) -> list[tuple[int, int]]:
    with fax.tiff.open("rb") as handle, Image.open(handle) as image:
        sizes = []
        for index in range(image.n_frames):
            image.seek(index)
            sizes.append(image.size)
        return sizes


@pytest.mark.parametrize(
    ("paper", "cover_size"),
    [("letter", (1728, 2156)), ("a4", (1728, 2292)), ("legal", (1728, 2744)), ("b4", (2048, 2809))],
)
def test_pages_are_rendered_for_the_faxs_paper(clinic, paper, cover_size):
    fax = send(clinic, loopback.SANDBOX_RECEIVER, paper_size=paper)
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    cover, letter_page = sent_sizes(fax)
    assert cover == cover_size  # the cover fills the paper, header line included
    assert letter_page[0] == cover_size[0] and letter_page[1] <= min(cover_size[1], 2156)
    details = fax.attempts.get().details
    assert details["scan_width_mm"] == (255 if paper == "b4" else 215)
    assert details["fitted_to_receiver"] is False


def test_a_faxbox_without_a_paper_uses_its_numbers(clinic, pharmacy):
    fax = send(clinic, "+12025550120")  # clinic: +1, so Letter
    assert fax.paper_size == "letter" and sent_sizes(fax)[0] == (1728, 2156)


@pytest.mark.parametrize("paper", ["legal", "b4"])
def test_a_machine_taking_less_gets_the_fitted_copy(clinic, paper):
    fax = send(clinic, loopback.RECEIVER_A4_ONLY, paper_size=paper)
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    details = fax.attempts.get().details
    assert details["fitted_to_receiver"] is True
    assert (details["scan_width_mm"], details["page_length"]) == (215, "a4")


def test_b4_reaches_a_faxbox_of_this_portal_2048_wide(clinic, pharmacy):
    fax = send(clinic, "+12025550120", paper_size="b4")
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    assert fax.attempts.get().details["scan_width_mm"] == 255
    received = Fax.objects.get(direction="inbound")
    assert received.pages == 2
