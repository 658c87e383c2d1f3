"""The send page: submit, validation beside the fields, scheduling, contacts, the
recipient check, the sending faxbox preselected, and a preview that is exactly what the
engine transmits and names every bad file."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageChops

from faxes.models import AuditEvent, Contact, DocumentPart, Fax, FaxStatus
from tests.factories import FaxboxFactory, FaxNumberFactory, text_pdf
from tests.ui.conftest import login, received

pytestmark = pytest.mark.django_db


def pdf(name: str = "letter.pdf", pages: int = 1, text: str = "Lab results"):
    return SimpleUploadedFile(name, text_pdf(pages, text=text), content_type="application/pdf")


def form(faxbox, **changes) -> dict:
    data = {
        "faxbox": faxbox.pk,
        "to": "+12025550120",
        "resolution": "fine",
        "when": "now",
        "documents": [pdf()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def preview_images(html: str) -> list[Image.Image]:
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    return [Image.open(io.BytesIO(base64.b64decode(u))) for u in uris]


def test_staff_sends_a_fax(acme, staff, acme_box):
    response = login(staff).post(
        reverse("send"),
        form(acme_box, cover="on", cover_subject="Results", cover_message="Call us"),
    )
    assert response.status_code == 302 and response["Location"] == reverse("outbox")
    fax = Fax.objects.get()
    assert fax.direction == "outbound" and fax.status == FaxStatus.QUEUED
    assert fax.to_number == "+12025550120" and fax.from_number == "+12025550140"
    assert fax.owner == staff and fax.cover == {"subject": "Results", "message": "Call us"}
    assert fax.pages == 2  # cover + one page
    event = AuditEvent.objects.get(action="fax.sent")
    assert event.fax == fax and event.user == staff


def test_htmx_submit_redirects_the_whole_page(acme, staff, acme_box):
    response = login(staff).post(reverse("send"), form(acme_box), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("outbox")


def test_files_are_sent_in_the_order_given_and_one_fax_per_recipient(acme, staff, acme_box):
    files = [pdf("b-second.pdf", 2), pdf("a-first.pdf", 1)]
    login(staff).post(
        reverse("send"), form(acme_box, documents=files, to="+12025550120, (202) 555-0121")
    )
    assert sorted(Fax.objects.values_list("to_number", flat=True)) == [
        "+12025550120",
        "+12025550121",
    ]
    parts = DocumentPart.objects.order_by("position").values_list("filename", flat=True)
    assert list(parts) == ["b-second.pdf", "a-first.pdf"]
    assert set(Fax.objects.values_list("pages", flat=True)) == {3}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"to": ""}, "id_to_error", "This field is required"),
        ({"to": "12345"}, "id_to_error", "not a valid phone number"),
        ({"documents": None}, "id_documents_error", "Attach at least one file"),
        (
            {"documents": [SimpleUploadedFile("x.pdf", b"\x00\x01this is no pdf")]},
            "id_documents_error",
            "x.pdf",
        ),
        ({"when": "later"}, "id_scheduled_at_error", "Choose the date and time"),
        ({"cover": "on"}, "id_cover_subject_error", "subject or a message"),
        ({"resolution": "ultra"}, "id_resolution_error", "valid choice"),
    ],
)
def test_errors_show_beside_the_field(acme, staff, acme_box, changes, field, message):
    client = login(staff)
    response = client.post(reverse("send"), form(acme_box, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    slot = re.search(rf'id="{field}">(.*?)</div>', html, re.S).group(1)
    assert message in slot, slot
    assert 'class="error-summary"' in html
    # With htmx the files stay in the page: only the error slots come back.
    response = client.post(reverse("send"), form(acme_box, **changes), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    slot = re.search(
        rf'id="{field}" hx-swap-oob="true">(.*?)</div>', response.content.decode(), re.S
    ).group(1)
    assert message in slot
    assert not Fax.objects.exists()


def test_another_accounts_faxbox_cannot_be_chosen(acme, other, staff):
    foreign = other.account.faxboxes.first()
    response = login(staff).post(reverse("send"), form(foreign))
    assert response.status_code == 400 and not Fax.objects.exists()


def test_scheduling_in_a_chosen_time_zone(acme, staff, acme_box):
    login(staff).post(
        reverse("send"),
        form(acme_box, when="later", scheduled_at="2099-07-01T09:30", timezone="Asia/Tokyo"),
    )
    fax = Fax.objects.get()
    assert fax.status == FaxStatus.SCHEDULED
    assert fax.scheduled_at == datetime(2099, 7, 1, 0, 30, tzinfo=UTC)


def test_a_time_skipped_by_dst_is_refused_beside_the_field(acme, staff, acme_box):
    response = login(staff).post(
        reverse("send"),
        form(acme_box, when="later", scheduled_at="2099-03-08T02:30", timezone="America/New_York"),
    )
    assert response.status_code == 400
    assert "does not exist in America/New_York" in re.search(
        r'id="id_scheduled_at_error">(.*?)</div>', response.content.decode(), re.S
    ).group(1)


def test_preview_renders_every_page_with_header_and_cover(acme, staff, acme_box):
    response = login(staff).post(
        reverse("send-preview"),
        form(acme_box, documents=[pdf(pages=2)], cover="on", cover_subject="Results"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 pages" in html and "cover page included" in html
    images = preview_images(html)
    assert len(images) == 3
    assert all(image.mode == "1" and image.width == 1728 for image in images)
    # The header line is drawn: the top rows of every page carry ink.
    for image in images:
        band = image.crop((0, 0, 1728, 40)).convert("L")
        assert band.getextrema()[0] == 0
    assert not Fax.objects.exists()  # a preview stores nothing


def test_standard_resolution_preview_is_shown_undistorted(acme, staff, acme_box):
    html = login(staff).post(reverse("send-preview"), form(acme_box, resolution="standard"))
    image = preview_images(html.content.decode())[0]
    height = re.search(r'width="1728" height="(\d+)"', html.content.decode()).group(1)
    assert int(height) == 2 * image.height  # rows of 98 lpi shown twice as tall


def test_preview_shows_at_most_the_configured_pages(settings, acme, staff, acme_box):
    settings.FAXPORTAL_UI_PREVIEW_PAGES = 2
    html = login(staff).post(reverse("send-preview"), form(acme_box, documents=[pdf(pages=4)]))
    assert len(preview_images(html.content.decode())) == 2
    assert "and 2 more pages" in html.content.decode()


def test_preview_errors_come_back_as_422_slots(acme, staff, acme_box):
    response = login(staff).post(reverse("send-preview"), form(acme_box, to="nope"))
    assert response.status_code == 422
    assert 'id="id_to_error" hx-swap-oob="true"><p>' in response.content.decode()


def test_viewer_cannot_preview_or_send(acme, acme_box):
    client = login(acme.viewer)
    assert client.post(reverse("send-preview"), form(acme_box)).status_code == 403
    assert client.post(reverse("send"), form(acme_box)).status_code == 403
    assert not Fax.objects.exists()


def test_recipients_are_checked_as_you_type(acme, staff, acme_box):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550177")
    response = login(staff).get(
        reverse("send-recipients"), {"to": "(202) 555-0177, 12, +442071838750"}
    )
    html = response.content.decode()
    assert "+1 202-555-0177 · City Lab" in html
    assert "&#x27;12&#x27; is not a valid phone number" in html
    assert "+44 20 7183 8750" in html


def test_contact_suggestions_are_the_accounts_own(acme, other, staff, acme_box):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550177")
    Contact.objects.create(account=other.account, name="City Hospital", fax_number="+12025550178")
    html = login(staff).get(reverse("contact-suggest"), {"contact": "city"}).content.decode()
    assert 'data-add-recipient="+12025550177"' in html and "City Hospital" not in html
    by_number = login(staff).get(reverse("contact-suggest"), {"contact": "0177"})
    assert "City Lab" in by_number.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_preview_is_what_the_engine_transmits(eager_celery, clinic, pharmacy):
    """Same form, previewed then sent through the loopback modem: the pages match."""
    from accounts.models import Role
    from tests.factories import UserFactory

    sender = UserFactory(account=clinic.account, role=Role.STAFF)
    client = login(sender)

    def data():
        return form(
            clinic,
            to="+12025550120",
            documents=[pdf(pages=2, text="Scan")],
            cover="on",
            cover_subject="Scan",
            cover_message="Two pages follow.",
        )

    previews = preview_images(client.post(reverse("send-preview"), data()).content.decode())
    assert client.post(reverse("send"), data()).status_code == 302
    fax = Fax.objects.get(direction="outbound")
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    with fax.tiff.open("rb") as handle, Image.open(handle) as sent:
        assert sent.n_frames == len(previews) == 3
        for index, preview in enumerate(previews):
            sent.seek(index)
            frame = sent.convert("1")
            assert frame.size == preview.size
            differing = ImageChops.logical_xor(frame, preview.convert("1")).histogram()[255]
            # Only the header's clock may have moved on by a minute.
            assert differing / (frame.width * frame.height) < 0.002, index


def test_a_time_in_the_past_is_refused_beside_the_field(acme, staff, acme_box):
    for name in ("send", "send-preview"):
        response = login(staff).post(
            reverse(name),
            form(acme_box, when="later", scheduled_at="2020-03-08T09:30", timezone="UTC"),
        )
        assert response.status_code in (400, 422)
        assert "is in the past; choose a later time" in re.search(
            r'id="id_scheduled_at_error"[^>]*>(.*?)</div>', response.content.decode(), re.S
        ).group(1)
    assert not Fax.objects.exists()


def test_a_number_with_junk_is_refused_beside_the_field(acme, staff, acme_box):
    response = login(staff).post(reverse("send"), form(acme_box, to="+12025550120x"))
    assert response.status_code == 400
    error = re.search(r'id="id_to_error"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert "is not a phone number" in error.group(1)
    response = login(staff).post(reverse("send"), form(acme_box, to="+1202\u200b5550120"))
    assert "invisible character" in response.content.decode()
    assert not Fax.objects.exists()


def test_from_faxbox_starts_on_the_users_default_or_last_used(acme, staff, acme_box):
    # "Aardvark" sorts first; the user never sends from it.
    first = FaxboxFactory(account=acme.account, name="Aardvark", caller_id="+12025550160")
    FaxNumberFactory(faxbox=first, account=acme.account, number="+12025550160")
    client = login(staff)

    def selected() -> str:
        html = client.get(reverse("send")).content.decode()
        return re.search(r'<option value="([^"]+)" selected>', html).group(1)

    client.post(reverse("send"), form(acme_box))
    assert selected() == acme_box.pk  # last used
    client.post(reverse("send"), form(first, make_default="on"))
    client.post(reverse("send"), form(acme_box))
    assert selected() == first.pk  # the default wins over the last used
    detail = client.get(reverse("fax-detail", args=[received(acme_box).pk])).content.decode()
    forward = detail[detail.index('id="forward-title"') :]
    assert re.search(r'<option value="([^"]+)" selected>', forward).group(1) == first.pk


def test_the_pixel_limit_message_names_the_real_limit(acme, staff, acme_box, settings):
    settings.FAXPORTAL_MAX_IMAGE_PIXELS = 40_000_000
    Image.MAX_IMAGE_PIXELS, before = 1_000_000, Image.MAX_IMAGE_PIXELS  # Pillow's own bomb guard
    try:
        out = io.BytesIO()
        Image.new("1", (3000, 3000)).save(out, "PNG")
        big = SimpleUploadedFile("huge.png", out.getvalue(), content_type="image/png")
        response = login(staff).post(reverse("send-preview"), form(acme_box, documents=[big]))
    finally:
        Image.MAX_IMAGE_PIXELS = before
    html = response.content.decode()
    assert "at most 40 million pixels" in html and "at most 0 million" not in html


def test_the_preview_names_every_bad_file(acme, staff, acme_box):
    bad_one = SimpleUploadedFile("one.exe", b"MZ\x90\x00" + b"\x00" * 200)
    bad_two = SimpleUploadedFile("two.pdf", b"%PDF-1.4 broken")
    response = login(staff).post(
        reverse("send-preview"), form(acme_box, documents=[bad_one, pdf(), bad_two])
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "one.exe" in html and "two.pdf" in html
    assert "an EXE file" in html and "a EXE" not in html


def test_a_scheduled_time_is_echoed_in_the_picked_zone_and_the_accounts(acme, staff, acme_box):
    acme.account.timezone = "Europe/Paris"
    acme.account.save()

    def data():
        return form(
            acme_box, when="later", scheduled_at="2031-03-04T09:00", timezone="America/New_York"
        )

    preview = login(staff).post(reverse("send-preview"), data()).content.decode()
    assert "Mar 4, 2031 09:00 EST (America/New_York)" in preview
    assert "15:00 CET in Europe/Paris" in preview
    response = login(staff).post(reverse("send"), data(), follow=True)
    message = next(str(m) for m in response.context["messages"])
    assert "09:00 EST (America/New_York)" in message and "15:00 CET in Europe/Paris" in message
    assert Fax.objects.get().scheduled_at == datetime(2031, 3, 4, 14, 0, tzinfo=UTC)
