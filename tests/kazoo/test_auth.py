"""user_auth, api_auth, token_auth, API tokens on /v2, and the account hierarchy."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.kazoo_auth import regenerate_api_key
from accounts.models import AuthSession
from accounts.services import create_api_token
from tests.factories import FaxNumberFactory
from tests.kazoo.conftest import PASSWORD_OF_TESTS, Kazoo, md5_credentials

pytestmark = pytest.mark.django_db


def login(data):
    return Kazoo().json("PUT", "/v2/user_auth", data)


@pytest.mark.parametrize("username", ["alice@acme.test", "Alice@Acme.Test"])
@pytest.mark.parametrize("method", ["md5", "sha"])
def test_user_auth_by_account_name(acme, username, method):
    acme.admin.username = "Alice@Acme.Test"
    acme.admin.set_password(PASSWORD_OF_TESTS)
    acme.admin.save()
    algo = hashlib.md5 if method == "md5" else hashlib.sha1
    credentials = algo(f"{username}:{PASSWORD_OF_TESTS}".encode()).hexdigest()
    status, body = login(
        {"credentials": credentials, "account_name": "acme clinic", "method": method}
    )
    assert status == 201, body
    assert body["status"] == "success" and body["auth_token"]
    assert body["data"]["account_id"] == acme.account.pk
    assert body["data"]["owner_id"] == acme.admin.pk
    assert body["data"]["account_name"] == "Acme Clinic"
    for key in ("request_id", "revision", "timestamp", "version"):
        assert key in body


def test_user_auth_by_realm_and_phone_number(acme):
    credentials = md5_credentials("alice@acme.test", PASSWORD_OF_TESTS)
    for extra in ({"account_realm": acme.account.realm}, {"realm": acme.account.realm}):
        status, body = login({"credentials": credentials, **extra})
        assert status == 201, body
    FaxNumberFactory(faxbox=acme.account.faxboxes.first(), number="+12025550141")
    status, body = login({"credentials": credentials, "phone_number": "+12025550141"})
    assert status == 201 and body["data"]["account_id"] == acme.account.pk


@pytest.mark.parametrize(
    "data",
    [
        {"credentials": md5_credentials("alice@acme.test", "wrong"), "account_name": "Acme Clinic"},
        {
            "credentials": md5_credentials("alice@acme.test", PASSWORD_OF_TESTS),
            "account_name": "Other Pharmacy",
        },
        {"credentials": "not-hex", "account_name": "Acme Clinic"},
    ],
)
def test_user_auth_bad_credentials_401(acme, other, data):
    status, body = login(data)
    assert status == 401
    assert body["status"] == "error" and body["error"] == "401"
    assert body["message"] == "invalid_credentials"
    assert body["data"] == {"message": "invalid credentials"}


def test_user_auth_missing_fields_400(acme):
    status, body = login({})
    assert status == 400 and body["message"] == "validation error"
    assert body["data"]["credentials"]["required"]["message"] == "Field is required but missing"
    assert "required" in body["data"]["account_name"]


def test_disabled_account_is_locked_423(acme):
    acme.account.enabled = False
    acme.account.save()
    status, body = login(
        {
            "credentials": md5_credentials("alice@acme.test", PASSWORD_OF_TESTS),
            "account_name": "Acme Clinic",
        }
    )
    assert status == 423 and body["error"] == "423" and body["message"] == "locked"


def test_api_auth(acme):
    key = regenerate_api_key(acme.account)
    assert len(key) == 64
    status, body = Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})
    assert status == 201 and body["data"]["account_id"] == acme.account.pk
    assert "owner_id" not in body["data"]
    # Regenerating replaces the key.
    regenerate_api_key(acme.account)
    assert Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})[0] == 404


def test_api_auth_errors(acme):
    assert Kazoo().json("PUT", "/v2/api_auth", {"api_key": "short"})[0] == 400
    assert Kazoo().json("PUT", "/v2/api_auth", {})[0] == 400
    status, body = Kazoo().json("PUT", "/v2/api_auth", {"api_key": "0" * 64})
    assert status == 404 and body["error"] == "404"
    key = regenerate_api_key(acme.account)
    acme.account.enabled = False
    acme.account.save()
    assert Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})[0] == 423


def test_token_auth_get_delete_and_expiry(kazoo_login, acme):
    status, body = kazoo_login.json("GET", "/v2/token_auth")
    assert status == 200 and body["data"]["account_id"] == acme.account.pk
    assert kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxboxes")[0] == 200
    assert kazoo_login.json("DELETE", "/v2/token_auth")[0] == 200
    assert kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxboxes")[0] == 401


def test_tokens_expire(kazoo_login, acme, settings):
    AuthSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    status, body = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxboxes")
    assert status == 401 and body["message"] == "invalid_credentials"


def test_token_lifetime_setting(acme, settings):
    settings.FAXPORTAL_KAZOO_TOKEN_TTL = 120
    key = regenerate_api_key(acme.account)
    Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})
    session = AuthSession.objects.get()
    assert timedelta(seconds=110) < session.expires_at - timezone.now() <= timedelta(seconds=120)


def test_no_token_is_401(acme):
    status, body = Kazoo().json("GET", f"/v2/accounts/{acme.account.pk}/faxes/inbox")
    assert status == 401 and body["error"] == "401"


def test_portal_api_tokens_work_as_x_auth_token_with_scopes(acme):
    reader = create_api_token(acme.account, name="r", scopes="fax:read").secret
    client = Kazoo(reader)
    base = f"/v2/accounts/{acme.account.pk}"
    assert client.json("GET", f"{base}/faxes/inbox")[0] == 200
    status, body = client.json("PUT", f"{base}/faxboxes", {"name": "x"})
    assert status == 403 and body["message"] == "forbidden"
    status, body = client.json("PUT", f"{base}/faxes", {"to_number": "+12025550120"})
    assert status == 403
    manager = Kazoo(create_api_token(acme.account, name="m", scopes="faxbox:manage").secret)
    assert manager.json("PUT", f"{base}/faxboxes", {"name": "x"})[0] == 201


def test_auth_token_in_query_string_and_bearer(acme, kazoo_login):
    token = create_api_token(acme.account, name="r", scopes="fax:read").secret
    client = Kazoo()
    url = f"/v2/accounts/{acme.account.pk}/faxboxes"
    # Session tokens (user_auth/api_auth) travel in the query string, as Kazoo allows...
    assert client.client.get(url, {"auth_token": kazoo_login.token}).status_code == 200
    # ...long-lived portal API tokens do not: they belong in a header.
    response = client.client.get(url, {"auth_token": token})
    assert response.status_code == 401 and response.json()["error"] == "401"
    assert "X-Auth-Token" in response.json()["data"]["message"]
    assert client.client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert client.client.get(url, HTTP_X_AUTH_TOKEN=token).status_code == 200


def test_viewer_session_cannot_write(acme):
    acme.viewer.set_password(PASSWORD_OF_TESTS)
    acme.viewer.save()
    _status, body = login(
        {
            "credentials": md5_credentials("bob@acme.test", PASSWORD_OF_TESTS),
            "account_name": "Acme Clinic",
        }
    )
    client = Kazoo(body["auth_token"])
    base = f"/v2/accounts/{acme.account.pk}"
    assert client.json("GET", f"{base}/faxboxes")[0] == 200
    assert client.json("PUT", f"{base}/faxboxes", {"name": "x"})[0] == 403


def test_hierarchy(reseller_tree):
    tree = reseller_tree
    parent = Kazoo(create_api_token(tree.reseller.account, name="p", scopes="fax:read").secret)
    child = Kazoo(create_api_token(tree.child.account, name="c", scopes="fax:read").secret)
    for account in (tree.child.account, tree.grandchild):
        assert parent.json("GET", f"/v2/accounts/{account.pk}/faxes/inbox")[0] == 200
    for account in (tree.reseller.account, tree.sibling.account):
        status, body = child.json("GET", f"/v2/accounts/{account.pk}/faxes/inbox")
        assert status == 403 and body["message"] == "forbidden"
    assert child.json("GET", "/v2/accounts/" + "0" * 32 + "/faxes/inbox")[0] == 403


def test_basic_auth(acme):
    import base64

    credentials = md5_credentials("alice@acme.test", PASSWORD_OF_TESTS)
    header = base64.b64encode(f"{acme.account.pk}:{credentials}".encode()).decode()
    response = Kazoo().client.get(
        f"/v2/accounts/{acme.account.pk}/faxboxes", HTTP_AUTHORIZATION=f"Basic {header}"
    )
    assert response.status_code == 200
    bad = base64.b64encode(f"{acme.account.pk}:{'0' * 32}".encode()).decode()
    response = Kazoo().client.get(
        f"/v2/accounts/{acme.account.pk}/faxboxes", HTTP_AUTHORIZATION=f"Basic {bad}"
    )
    assert response.status_code == 401


def test_rate_limited_with_the_kazoo_error_envelope(acme, settings):
    settings.FAXPORTAL_KAZOO_RATE_LIMIT = 3
    client = Kazoo(create_api_token(acme.account, name="r", scopes="fax:read").secret)
    url = f"/v2/accounts/{acme.account.pk}/faxes/inbox"
    assert [client.call("GET", url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.call("GET", url)
    body = response.json()
    assert response.status_code == 429 and body["error"] == "429"
    assert body["message"] == "too_many_requests" and int(response["Retry-After"]) >= 1
    # Another token of the same account has its own budget (the IP budget is larger).
    other = Kazoo(create_api_token(acme.account, name="s", scopes="fax:read").secret)
    assert other.call("GET", url).status_code == 200


def test_user_auth_is_rate_limited_like_the_browser_login(acme, settings):
    settings.FAXPORTAL_LOGIN_RATE = "5/m"
    wrong = md5_credentials("alice@acme.test", "wrong")
    right = md5_credentials("alice@acme.test", PASSWORD_OF_TESTS)
    # Per account, from many addresses: the sixth try is refused, even the right password.
    for n in range(5):
        status, _ = Kazoo().json(
            "PUT", "/v2/user_auth", {"credentials": wrong, "account_name": "Acme Clinic"},
            REMOTE_ADDR=f"10.0.1.{n}",
        )  # fmt: skip
        assert status == 401
    response = Kazoo().call(
        "PUT", "/v2/user_auth", {"credentials": right, "account_name": "acmeclinic"},
        REMOTE_ADDR="10.0.1.99",
    )  # fmt: skip
    body = response.json()
    assert response.status_code == 429 and body["error"] == "429" and body["status"] == "error"
    assert body["message"] == "too_many_requests" and "auth_token" not in body
    assert int(response["Retry-After"]) >= 1
    # Naming the same account by its realm is the same bucket.
    status, _ = Kazoo().json(
        "PUT", "/v2/user_auth", {"credentials": right, "account_realm": acme.account.realm},
        REMOTE_ADDR="10.0.1.98",
    )  # fmt: skip
    assert status == 429
    # Another account is not locked out by it.
    status, _ = Kazoo().json(
        "PUT", "/v2/user_auth", {"credentials": wrong, "account_name": "Nobody Here"},
        REMOTE_ADDR="10.0.1.97",
    )  # fmt: skip
    assert status == 401


def test_login_ip_budget_is_shared_by_browser_user_auth_and_api_auth(acme, settings):
    from django.test import Client
    from django.urls import reverse

    settings.FAXPORTAL_LOGIN_RATE = "4/m"
    ip = {"REMOTE_ADDR": "192.0.2.50"}
    Client(**ip).post(reverse("login"), {"username": "x@y.test", "password": "nope"})
    Client(**ip).post(reverse("login"), {"username": "z@y.test", "password": "nope"})
    assert Kazoo().json("PUT", "/v2/api_auth", {"api_key": "0" * 64}, **ip)[0] == 404
    assert login_from(ip, "Unknown A")[0] == 401
    # Fifth attempt from this address, whichever door: refused.
    key = regenerate_api_key(acme.account)
    response = Kazoo().call("PUT", "/v2/api_auth", {"api_key": key}, **ip)
    assert response.status_code == 429 and response["Retry-After"]
    assert login_from(ip, "Acme Clinic")[0] == 429
    assert (
        Client(**ip).post(reverse("login"), {"username": "a", "password": "b"}).status_code == 429
    )
    # Another address still logs in.
    assert Kazoo().json("PUT", "/v2/api_auth", {"api_key": key}, REMOTE_ADDR="192.0.2.51")[0] == 201


def login_from(extra, account_name):
    credentials = md5_credentials("alice@acme.test", PASSWORD_OF_TESTS)
    return Kazoo().json(
        "PUT", "/v2/user_auth", {"credentials": credentials, "account_name": account_name},
        **extra,
    )  # fmt: skip


def test_basic_auth_failures_count_in_the_login_limiter(acme, settings):
    import base64

    settings.FAXPORTAL_LOGIN_RATE = "3/m"
    url = f"/v2/accounts/{acme.account.pk}/faxboxes"

    def basic(credentials, n):
        header = base64.b64encode(f"{acme.account.pk}:{credentials}".encode()).decode()
        return Kazoo().client.get(
            url, HTTP_AUTHORIZATION=f"Basic {header}", REMOTE_ADDR=f"10.0.2.{n}"
        )

    right = md5_credentials("alice@acme.test", PASSWORD_OF_TESTS)
    # Successful requests are not login attempts: a Basic-auth client sends every call so.
    assert [basic(right, 1).status_code for _ in range(5)] == [200] * 5
    assert [basic("0" * 32, n).status_code for n in range(3)] == [401] * 3
    response = basic(right, 9)
    assert response.status_code == 429 and response.json()["message"] == "too_many_requests"
