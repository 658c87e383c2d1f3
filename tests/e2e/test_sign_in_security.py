"""Sign-in security in a real browser: an admin turns on TOTP two-factor login (the test
computes the codes from the secret the page shows, as an authenticator app would), logs in
with password + code, then with a recovery code (which works once), and sends a colleague
a password-reset link that the colleague opens from the e-mail to choose a new password."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from accounts.models import Role
from tests.accounts.test_two_factor import code_for
from tests.e2e.conftest import screenshot
from tests.factories import AccountFactory, FaxboxFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


@pytest.fixture
def clinic(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    account = AccountFactory(name="Demo Clinic", timezone="America/New_York")
    FaxboxFactory(account=account, name="Front desk")
    admin = UserFactory(username="alex@clinic.test", email="alex@clinic.test", account=account,
                        role=Role.ADMIN)  # fmt: skip
    staff = UserFactory(username="sam@clinic.test", email="sam@clinic.test", account=account,
                        role=Role.STAFF)  # fmt: skip
    return admin, staff


def password_step(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def code_step(page, code: str) -> None:
    page.locator("h1", has_text="Enter your code").wait_for()
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Verify").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/")


def test_totp_recovery_code_and_reset_link(page, clinic):
    from playwright.sync_api import expect

    admin, staff = clinic

    # --- turn two-factor login on ----------------------------------------------------------
    password_step(page, admin.username)
    page.locator("h1", has_text="Inbox").wait_for()  # no code asked yet
    page.get_by_role("link", name="Sign-in security").click()
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.locator("#totp-uri")).to_contain_text("otpauth://totp/")
    secret = page.locator("#totp-secret").inner_text().strip()
    screenshot(page, "two-factor-setup")
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.locator("#id_code_error")).to_contain_text("not right")
    time.sleep(1.1)  # django-otp refuses every code for a moment after a wrong one
    page.get_by_role("textbox", name="Code").fill(code_for(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    page.locator("h1", has_text="Your recovery codes").wait_for()
    codes = [c.strip() for c in page.locator("#recovery-codes li").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.locator("#two-factor")).to_contain_text("10 recovery codes left")
    log_out(page)

    # --- password, then the app's code ------------------------------------------------------
    password_step(page, admin.username)
    code_step(page, code_for(secret, steps_ahead=1))  # a code is never accepted twice
    page.locator("h1", has_text="Inbox").wait_for()
    log_out(page)

    # --- password, then a recovery code -------------------------------------------------------
    password_step(page, admin.username)
    code_step(page, codes[0])
    page.locator("h1", has_text="Inbox").wait_for()
    expect(page.locator("#live-region")).to_contain_text("9 left")

    # --- the admin sends Sam a reset link --------------------------------------------------------
    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name=f"Send reset link to {staff.username}").click()
    expect(page.locator("#live-region")).to_contain_text(f"sent to {staff.email}")
    log_out(page)
    (message,) = mail.outbox
    assert message.to == [staff.email]
    link = re.search(r"https?://\S+/reset/\S+/", message.body).group(0)
    page.goto("/" + link.split("://", 1)[1].split("/", 1)[1])
    page.locator("#id_new_password1").fill("a new one for sam")
    page.locator("#id_new_password2").fill("a new one for sam")
    page.get_by_role("button", name="Save the new password").click()
    page.locator("h1", has_text="Password saved").wait_for()
    page.get_by_role("link", name="Log in").click()
    password_step(page, staff.username, "a new one for sam")
    page.locator("h1", has_text="Inbox").wait_for()
    log_out(page)

    # --- the recovery code used above does not work again --------------------------------------
    password_step(page, admin.username)
    code_step(page, codes[0])
    expect(page.locator("#id_code_error")).to_contain_text("not right")
    assert "/login/code/" in page.url
