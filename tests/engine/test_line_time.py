"""A full-page photograph is faxed in a few minutes of line time; a page that would hold the
line far longer is refused when it is submitted, named, never failed on the line."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from faxes import failures, services
from faxes.models import Fax, FaxStatus
from faxes.services.linetime import page_labels
from tests.documents.factories import phone_photo_jpeg
from tests.factories import noise_fax_tiff, text_pdf
from tests.fileserver import serving

pytestmark = pytest.mark.django_db(transaction=True)


def submit(faxbox, data: bytes, name: str, **kwargs):
    return services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=["+12025550120"],
        documents=[services.UploadedFile(data, name)], **kwargs,
    )  # fmt: skip


def test_a_phone_photo_of_a_page_is_delivered_in_a_few_minutes(clinic, pharmacy):
    result = submit(clinic, phone_photo_jpeg(), "photo.jpg")
    fax = Fax.objects.get(pk=result.faxes[0].pk)
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    attempt = fax.attempts.get()
    assert attempt.success and attempt.pages_sent == 1 and attempt.speed == 14400
    assert 120 < attempt.time_elapsed < 300  # a few minutes, as on a real line
    received = Fax.objects.get(direction="inbound")
    assert received.pages == 1 and received.faxbox == pharmacy


def test_a_page_too_long_to_send_is_refused_at_submit_naming_it(clinic):
    documents = [
        services.UploadedFile(text_pdf(2), "letter.pdf"),
        services.UploadedFile(noise_fax_tiff(), "scan.tif"),
    ]
    with pytest.raises(ValidationError) as caught:
        services.submit_fax(
            account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
            documents=documents,
        )  # fmt: skip
    (message,) = caught.value.message_dict["documents"]
    assert message.startswith("Page 3 (page 1 of “scan.tif”) would take about 9 minutes")
    assert failures.lookup(None, message).code == "document_too_long_to_send"
    assert not Fax.objects.exists()


def test_the_same_page_at_standard_resolution_goes_through(clinic, pharmacy):
    result = submit(clinic, noise_fax_tiff(), "scan.tif", resolution="standard")
    assert Fax.objects.get(pk=result.faxes[0].pk).status == FaxStatus.DELIVERED


@pytest.fixture
def noise_site(settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    body = noise_fax_tiff()

    with serving(body, "image/tiff") as url:
        yield url


def test_a_fetched_page_too_long_to_send_fails_as_a_document_not_a_line_fault(clinic, noise_site):
    result = services.submit_fax(
        account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
        documents=[services.UrlDocument(f"{noise_site}/scan.tif")],
    )  # fmt: skip
    fax = Fax.objects.get(pk=result.faxes[0].pk)
    assert fax.status == FaxStatus.FAILED and fax.attempt_count == 1
    assert not fax.attempts.exists()  # no call was made
    assert failures.for_fax(fax).code == "document_too_long_to_send"
    assert "Page 1" in fax.error_message


def test_pages_are_named_by_their_file():
    labels = page_labels(["a.pdf", "photo.jpg"], (1, 2, 1), has_cover=True)
    assert labels == [
        "The cover page", "Page 2 (page 1 of “a.pdf”)", "Page 3 (page 2 of “a.pdf”)",
        "Page 4 (page 1 of “photo.jpg”)",
    ]  # fmt: skip
