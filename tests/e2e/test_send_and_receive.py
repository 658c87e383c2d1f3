"""A day in the portal, in a real browser: send a fax with a cover page from one demo
faxbox to another through the loopback transport (the real software modem), watch it
delivered in the outbox, find it in the other account's inbox, open it, download the
PDF and check that the preview shown before sending is what arrived."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from accounts.models import Role
from faxes.models import Contact, Fax
from tests.e2e.conftest import screenshot
from tests.factories import AccountFactory, FaxboxFactory, FaxNumberFactory, UserFactory, text_pdf
from tests.ui.conftest import received

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


@pytest.fixture
def demo(eager_engine):
    clinic = AccountFactory(name="Demo Clinic", timezone="America/New_York")
    front_desk = FaxboxFactory(
        account=clinic,
        name="Front desk",
        caller_id="+12025550101",
        caller_name="Demo Clinic",
        fax_header="Demo Clinic",
        fax_timezone="America/New_York",
    )
    FaxNumberFactory(faxbox=front_desk, number="+12025550101")
    pharmacy = AccountFactory(name="Demo Pharmacy", timezone="America/Chicago")
    counter = FaxboxFactory(
        account=pharmacy,
        name="Pharmacy counter",
        caller_id="+12025550102",
        caller_name="Demo Pharmacy",
        fax_header="Demo Pharmacy",
        fax_timezone="America/Chicago",
    )
    FaxNumberFactory(faxbox=counter, number="+12025550102")
    users = {
        "staff": UserFactory(
            username="sam@clinic.test",
            first_name="Sam",
            last_name="Reyes",
            account=clinic,
            role=Role.STAFF,
        ),
        "viewer": UserFactory(username="vera@clinic.test", account=clinic, role=Role.VIEWER),
        "pharmacist": UserFactory(
            username="paula@pharmacy.test",
            first_name="Paula",
            last_name="Kim",
            account=pharmacy,
            role=Role.ADMIN,
        ),
    }
    Contact.objects.create(
        account=clinic, name="Demo Pharmacy", fax_number="+12025550102", organization="Main Street"
    )
    # Earlier traffic, so the lists look like a working day.
    for sender, pages in (("+13125550147", 1), ("+14155550123", 3), ("+16175550188", 2)):
        received(counter, pages=pages, sender=sender)
        received(front_desk, pages=pages, sender=sender)
    return {"clinic": clinic, "pharmacy": pharmacy, **users}


def log_in(page, user) -> None:
    page.goto("/login/")
    page.get_by_label("Username or e-mail").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("h1", has_text="Inbox").wait_for()  # the landing page


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/")


def decode_data_uri(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("1")


def differing_share(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    diff = ImageChops.logical_xor(a.convert("1"), b.convert("1"))
    return diff.histogram()[255] / (a.width * a.height)


def test_send_deliver_receive_open_download(page, demo, tmp_path):
    from playwright.sync_api import expect

    letter = tmp_path / "referral.pdf"
    letter.write_bytes(text_pdf(2, text="Referral letter"))

    # --- the clinic's staff member sends a fax with a cover page ---------------
    log_in(page, demo["staff"])
    expect(page.locator("#fax-rows tr.fax-row")).to_have_count(3)
    page.get_by_role("link", name="New fax").click()
    # Sending an empty form: each problem is shown beside its field, nothing is sent.
    page.get_by_role("button", name="Send fax").click()
    expect(page.locator("#id_to_error")).to_contain_text("This field is required")
    expect(page.locator("#id_documents_error")).to_contain_text("Attach at least one file")
    expect(page.locator("#id_to")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Add from contacts").fill("Pharm")
    page.locator('[data-add-recipient="+12025550102"]').click()
    expect(page.locator("#id_to")).to_have_value("+12025550102")
    expect(page.locator("#recipients-check")).to_contain_text("+1 202-555-0102 · Demo Pharmacy")
    page.locator("#id_documents").set_input_files(str(letter))
    expect(page.locator("#file-list li")).to_have_count(1)
    page.get_by_label("Add a cover page").check()
    page.get_by_label("Subject").fill("Referral: J. Doe")
    page.get_by_label("Message").fill("Please call us back to confirm the appointment.")
    page.get_by_role("button", name="Preview pages").click()
    previews = page.locator("#preview img[data-preview-page]")
    expect(previews).to_have_count(3)
    expect(page.locator("#preview")).to_contain_text("3 pages (cover page included)")
    preview_images = [decode_data_uri(previews.nth(i).get_attribute("src")) for i in range(3)]
    screenshot(page, "send")

    page.locator("#confirm-send").click()
    page.wait_for_url("**/outbox/")
    first_row = page.locator("#fax-rows tr.fax-row").first
    expect(first_row.locator(".badge")).to_have_text("Delivered", timeout=30_000)
    expect(first_row).to_contain_text("+1 202-555-0102")
    screenshot(page, "outbox")
    sent = Fax.objects.get(account=demo["clinic"], direction="outbound")
    assert sent.status == "delivered" and sent.pages == 3
    # The address book names the recipient; the number stays beside it.
    first_row.get_by_role("link", name="Demo Pharmacy").click()
    expect(page.locator("#fax-status")).to_contain_text("T.30 result")
    expect(page.locator("#fax-status")).to_contain_text("14400 bps")
    screenshot(page, "detail-outbound")
    log_out(page)

    # --- the viewer of the clinic may read but not send -------------------------
    log_in(page, demo["viewer"])
    expect(page.get_by_role("link", name="New fax")).to_have_count(0)
    response = page.goto("/send/")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Not allowed")
    log_out(page)

    # --- the pharmacy finds it in its inbox, opens it, downloads it --------------
    log_in(page, demo["pharmacist"])
    newest = page.locator("#fax-rows tr.fax-row").first
    expect(newest).to_have_class(re.compile(r"\bunread\b"))
    expect(newest).to_contain_text("+1 202-555-0101")
    expect(page.locator("#fax-rows tr.fax-row")).to_have_count(4)
    screenshot(page, "inbox")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    screenshot(page, "inbox-phone", full_page=False)
    page.set_viewport_size({"width": 1360, "height": 900})
    page.reload()
    newest = page.locator("#fax-rows tr.fax-row").first
    newest.get_by_role("link", name="+1 202-555-0101").click()
    expect(page.locator("h1")).to_have_text("Fax from +1 202-555-0101")
    pages = page.locator(".pages img")
    expect(pages).to_have_count(3)
    for i in range(3):
        pages.nth(i).scroll_into_view_if_needed()
        expect(pages.nth(i)).to_have_js_property("complete", True)
    screenshot(page, "detail")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf_path = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(pdf_path, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF") and len(PdfReader(io.BytesIO(data)).pages) == 3

    # The preview approved before sending is what the receiving fax machine decoded
    # (only the header line's minute may differ).
    arrived = Fax.objects.get(
        account=demo["pharmacy"], direction="inbound", from_number="+12025550101"
    )
    with arrived.tiff.open("rb") as handle, Image.open(handle) as tiff:
        assert tiff.n_frames == 3
        for index, preview in enumerate(preview_images):
            tiff.seek(index)
            assert differing_share(preview, tiff.convert("1")) < 0.002, index

    # Another account's fax is not found, not forbidden.
    response = page.goto(f"/faxes/{sent.pk}/")
    assert response.status == 404
