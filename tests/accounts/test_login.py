from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_argon2_is_the_production_hasher():
    # The autouse fixture swaps hashers per test; the module's own value is checked here.
    from faxportal import settings as portal_settings

    assert portal_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_new_passwords_are_hashed_with_argon2(acme, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    acme.admin.set_password("a new long passphrase")
    assert acme.admin.password.startswith("argon2")
    assert acme.admin.check_password("a new long passphrase")


@pytest.mark.django_db
def test_login_then_landing_page_shows_account(acme):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "alice@acme.test", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Clinic" in page
    assert acme.account.pk in page


@pytest.mark.django_db
def test_wrong_password_shows_error(acme):
    response = Client().post(reverse("login"), {"username": "alice@acme.test", "password": "x"})
    assert response.status_code == 200
    assert "match" in response.content.decode()
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
def test_user_of_disabled_account_cannot_log_in(acme):
    acme.account.enabled = False
    acme.account.save()
    client = Client()
    response = client.post(reverse("login"), {"username": "alice@acme.test", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_ends_when_account_is_disabled(acme):
    client = Client()
    client.force_login(acme.admin)
    assert client.get(reverse("home")).status_code == 200
    acme.account.enabled = False
    acme.account.save()
    assert client.get(reverse("home")).status_code == 302
    # Re-enabling does not revive the old session: it was ended, not just refused.
    acme.account.enabled = True
    acme.account.save()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_login_attempts_are_rate_limited_per_username(acme, settings):
    settings.FAXPORTAL_LOGIN_RATE = "3/m"
    for n in range(3):
        response = Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            reverse("login"), {"username": "alice@acme.test", "password": "wrong"}
        )
        assert response.status_code == 200
    # Fourth try from yet another address, even with the right password: refused.
    response = Client(REMOTE_ADDR="10.0.0.9").post(
        reverse("login"), {"username": "alice@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()


@pytest.mark.django_db
def test_login_attempts_are_rate_limited_per_ip(acme, settings):
    settings.FAXPORTAL_LOGIN_RATE = "3/m"
    client = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(3):
        client.post(reverse("login"), {"username": f"nobody{n}@x.test", "password": "x"})
    response = client.post(reverse("login"), {"username": "alice@acme.test", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
def test_platform_superuser_without_account_uses_admin(db):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    assert client.get(reverse("home")).status_code == 404
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_tenant_user_without_account_is_refused_by_the_database(db):
    from django.db import IntegrityError

    from accounts.models import User

    with pytest.raises(IntegrityError):
        User.objects.create_user("floating", "f@example.com", "whatever-123")


@pytest.mark.django_db
def test_static_files_are_served_by_whitenoise():
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in django_settings.MIDDLEWARE
