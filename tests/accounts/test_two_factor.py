"""Passwords and two-factor login through the pages: set up TOTP, log in with a code or a
single-use recovery code, rate limits, the account-wide requirement, password change, and
reset links an admin sends. Every change is on the audit trail; other tenants get 404."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from faxes.models import AuditEvent
from tests.conftest import PASSWORD
from tests.kazoo.conftest import Kazoo, md5_credentials

pytestmark = pytest.mark.django_db


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for ``secret`` (optionally a later 30-s step, which
    the portal accepts as clock drift; a code is never accepted twice)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enrol(client: Client) -> tuple[str, list[str]]:
    """Set up two-factor login on the page; returns the secret and the recovery codes."""
    page = client.get(reverse("two-factor")).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "otpauth://totp/" in page and "<svg" in page
    response = client.post(reverse("two-factor"), {"action": "confirm", "code": code_for(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("two-factor-codes")
    codes_page = client.get(reverse("two-factor-codes")).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)
    assert len(codes) == 10
    return secret, codes


def password_login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def actions(account) -> list[str]:
    return list(
        AuditEvent.objects.for_account(account).order_by("id").values_list("action", flat=True)
    )


def test_enrol_shows_the_recovery_codes_once_and_is_audited(alice, acme):
    client = logged_in(alice)
    enrol(client)
    alice.refresh_from_db()
    assert alice.two_factor_enabled
    # Post/redirect/get: the codes are not shown a second time.
    again = client.get(reverse("two-factor-codes"))
    assert again.status_code == 302 and again["Location"] == reverse("two-factor")
    assert "10 recovery codes left" in client.get(reverse("two-factor")).content.decode()
    assert "user.two_factor_enrolled" in actions(acme.account)


def test_a_wrong_code_does_not_turn_it_on(alice):
    client = logged_in(alice)
    client.get(reverse("two-factor"))
    response = client.post(reverse("two-factor"), {"action": "confirm", "code": "000000"})
    assert response.status_code == 400 and "not right" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.two_factor_enabled


def test_login_asks_for_the_code_after_the_password(alice, acme):
    secret, _codes = enrol(logged_in(alice))
    client = Client()
    response = password_login(client, alice.username)
    assert response.status_code == 302 and response["Location"] == reverse("login-otp")
    assert "_auth_user_id" not in client.session  # not logged in with the password alone
    assert client.get(reverse("inbox")).status_code == 302
    wrong = client.post(reverse("login-otp"), {"code": "123456"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    # django-otp refuses every code for a moment after a wrong one, and says so.
    throttled = client.post(reverse("login-otp"), {"code": code_for(secret, steps_ahead=1)})
    assert throttled.status_code == 400 and "wait" in throttled.content.decode()
    time.sleep(1.1)
    right = client.post(reverse("login-otp"), {"code": code_for(secret, steps_ahead=1)})
    assert right.status_code == 302 and client.session["_auth_user_id"] == alice.pk
    assert client.get(reverse("inbox")).status_code == 200


def test_a_recovery_code_works_once(alice, acme):
    _secret, codes = enrol(logged_in(alice))
    first = Client()
    password_login(first, alice.username)
    response = first.post(reverse("login-otp"), {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200 and "9 left" in response.content.decode()
    second = Client()
    password_login(second, alice.username)
    assert second.post(reverse("login-otp"), {"code": codes[0]}).status_code == 400
    assert "_auth_user_id" not in second.session
    assert "user.recovery_code_used" in actions(acme.account)


def test_code_attempts_are_rate_limited(alice, settings):
    secret, _codes = enrol(logged_in(alice))
    settings.FAXPORTAL_LOGIN_RATE = "3/m"
    client = Client()
    password_login(client, alice.username)
    for _ in range(3):
        assert client.post(reverse("login-otp"), {"code": "000000"}).status_code == 400
    limited = client.post(reverse("login-otp"), {"code": code_for(secret, steps_ahead=1)})
    assert limited.status_code == 429 and "Too many attempts" in limited.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_second_step_expires(alice, monkeypatch):
    enrol(logged_in(alice))
    client = Client()
    password_login(client, alice.username)
    session = client.session
    session["login_pending"]["at"] -= 301
    session.save()
    response = client.post(reverse("login-otp"), {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_turning_it_on_ends_the_other_sessions(alice):
    elsewhere = logged_in(alice)
    here = logged_in(alice)
    enrol(here)
    assert here.get(reverse("inbox")).status_code == 200
    assert elsewhere.get(reverse("inbox")).status_code == 302  # to the login page


def test_turning_it_off_needs_the_password(alice, acme):
    client = logged_in(alice)
    enrol(client)
    wrong = client.post(reverse("two-factor"), {"action": "disable", "password": "nope"})
    assert wrong.status_code == 400
    alice.refresh_from_db()
    assert alice.two_factor_enabled
    client.post(reverse("two-factor"), {"action": "disable", "password": PASSWORD})
    alice.refresh_from_db()
    assert not alice.two_factor_enabled
    assert client.get(reverse("inbox")).status_code == 200  # this session stays
    assert "user.two_factor_removed" in actions(acme.account)


def test_requiring_it_sends_users_without_it_to_set_it_up(alice, bob, acme):
    admin = logged_in(alice)
    refused = admin.post(reverse("manage-two-factor-required"), {"required": "1"}, follow=True)
    assert "for yourself first" in refused.content.decode()
    acme.account.refresh_from_db()
    assert not acme.account.require_two_factor
    enrol(admin)
    admin.post(reverse("manage-two-factor-required"), {"required": "1"})
    acme.account.refresh_from_db()
    assert acme.account.require_two_factor
    assert "account.two_factor_required" in actions(acme.account)

    # Bob has no second factor: after his password, only the set-up page opens.
    bob_client = Client()
    response = password_login(bob_client, bob.username)
    assert response.status_code == 302
    inbox = bob_client.get(reverse("inbox"))
    assert inbox.status_code == 302 and inbox["Location"] == reverse("two-factor")
    # His session counts for nothing on the API either.
    assert bob_client.get(f"/api/v1/accounts/{acme.account.pk}").status_code in (401, 403)
    page = bob_client.get(reverse("two-factor")).content.decode()
    assert "requires two-factor login" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    bob_client.post(reverse("two-factor"), {"action": "confirm", "code": code_for(secret)})
    assert bob_client.get(reverse("inbox")).status_code == 200
    # Once required, it cannot be turned off.
    bob_client.post(reverse("two-factor"), {"action": "disable", "password": PASSWORD})
    bob.refresh_from_db()
    assert bob.two_factor_enabled


def test_password_change(alice, acme):
    client = logged_in(alice)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "a brand new passphrase",
         "new_password2": "a brand new passphrase"},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get(reverse("inbox")).status_code == 200  # still logged in
    assert password_login(Client(), alice.username).status_code == 200  # old one: the form
    assert password_login(Client(), alice.username, "a brand new passphrase").status_code == 302
    assert "user.password_changed" in actions(acme.account)
    bad = client.post(
        reverse("password-change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 200 and "field-errors" in bad.content.decode()


def test_an_admin_sends_a_reset_link(alice, bob, acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = logged_in(alice).post(reverse("manage-user-reset-link", args=[bob.pk]))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [bob.email or bob.username]
    link = re.search(r"https?://\S+/reset/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form = client.get(f"/{path}", follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else f"/{path}",
        {"new_password1": "bobs new passphrase", "new_password2": "bobs new passphrase"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password-reset-complete")
    assert password_login(Client(), bob.username, "bobs new passphrase").status_code == 302
    # The link worked once.
    assert "does not work any more" in Client().get(f"/{path}", follow=True).content.decode()
    assert {"user.password_reset_sent", "user.password_reset"} <= set(actions(acme.account))


def test_other_tenants_and_viewers_cannot_touch_users(alice, bob, charlie):
    for name in ("manage-user-reset-link", "manage-user-two-factor-reset"):
        assert logged_in(charlie).post(reverse(name, args=[alice.pk])).status_code == 404
        assert logged_in(bob).post(reverse(name, args=[alice.pk])).status_code == 403
    assert logged_in(bob).post(reverse("manage-two-factor-required")).status_code == 403
    assert not mail.outbox


def test_an_admin_resets_a_lost_second_factor(alice, bob, acme):
    enrol(logged_in(bob))
    logged_in(alice).post(reverse("manage-user-two-factor-reset", args=[bob.pk]))
    bob.refresh_from_db()
    assert not bob.two_factor_enabled
    assert password_login(Client(), bob.username).status_code == 302
    assert "user.two_factor_removed" in actions(acme.account)


def test_kazoo_user_auth_refuses_a_password_alone_for_two_factor_users(alice, acme):
    data = {"credentials": md5_credentials(alice.username, PASSWORD), "account_name": "Acme Clinic"}
    assert Kazoo().json("PUT", "/v2/user_auth", data)[0] == 201
    enrol(logged_in(alice))
    status, body = Kazoo().json("PUT", "/v2/user_auth", data)
    assert status == 401 and body["status"] == "error"
