"""The account admin pages in a real browser, driven by keyboard where it matters,
with screenshots for the README."""

from __future__ import annotations

import pytest

from accounts.models import Role
from faxes.models import Contact
from tests.e2e.conftest import screenshot
from tests.e2e.test_send_and_receive import log_in
from tests.factories import AccountFactory, FaxboxFactory, FaxNumberFactory, UserFactory
from tests.ui.conftest import received

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clinic_admin():
    clinic = AccountFactory(name="Demo Clinic", timezone="America/New_York")
    box = FaxboxFactory(
        account=clinic,
        name="Front desk",
        caller_id="+12025550101",
        caller_name="Demo Clinic",
        fax_header="Demo Clinic",
        fax_timezone="America/New_York",
        notify_inbound_emails=["frontdesk@clinic.test"],
    )
    FaxNumberFactory(faxbox=box, number="+12025550101")
    UserFactory(username="sam@clinic.test", account=clinic, role=Role.STAFF)
    UserFactory(username="vera@clinic.test", account=clinic, role=Role.VIEWER)
    Contact.objects.create(
        account=clinic, name="Demo Pharmacy", fax_number="+12025550102", organization="Main Street"
    )
    received(box, pages=1, sender="+13125550147")
    return UserFactory(
        username="alex@clinic.test",
        first_name="Alex",
        last_name="Morgan",
        account=clinic,
        role=Role.ADMIN,
    )


def test_admin_pages_and_keyboard(page, clinic_admin):
    from playwright.sync_api import expect

    log_in(page, clinic_admin)
    # The first Tab reaches the skip link, which jumps over the navigation.
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()

    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("EHR bridge")
    page.get_by_label("Read fax data and files").check()
    page.get_by_label("Send faxes").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-secret")).to_contain_text("faxapi_")
    screenshot(page, "tokens")

    page.get_by_role("link", name="Faxboxes").click()
    expect(page.locator("main")).to_contain_text("+1 202-555-0101")
    page.get_by_role("link", name="Users").click()
    expect(page.locator("main")).to_contain_text("vera@clinic.test")
    screenshot(page, "users")

    # Keyboard only: open the first inbox fax and come back.
    page.get_by_role("link", name="Inbox").click()
    link = page.locator("#fax-rows a.title").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Fax from +1 312-555-0147")

    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("main")).to_contain_text("token.created")
    expect(page.locator("main")).to_contain_text("fax.viewed")
    screenshot(page, "audit")
