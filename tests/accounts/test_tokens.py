from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import create_api_token, revoke_api_token
from accounts.tokens import find_token, token_digest


def account_url(account) -> str:
    return reverse("v1-account", args=[account.pk])


@pytest.mark.django_db
def test_secret_is_shown_once_and_stored_as_prefix_and_keyed_digest(acme):
    issued = create_api_token(acme.account, name="lab system", scopes="fax:read")
    assert issued.secret.startswith("faxapi_")
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in (row.prefix, row.digest)
    assert row.prefix == issued.secret[7:17]
    assert row.digest == token_digest(issued.secret)
    assert len(row.digest) == 64
    # No field of the row holds the secret.
    assert all(issued.secret not in str(v) for v in row.__dict__.values())


@pytest.mark.django_db
def test_digest_is_keyed(acme):
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    with override_settings(FAXPORTAL_TOKEN_HASH_KEY="another key"):
        assert token_digest(issued.secret) != issued.token.digest
        assert find_token(issued.secret) is None
    assert find_token(issued.secret) == issued.token


@pytest.mark.django_db
def test_find_token_rejects_wrong_secret_with_same_prefix(acme):
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")
    assert find_token(forged) is None
    assert find_token("faxapi_short") is None
    assert find_token("not-a-token") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scopes", "message"),
    [("fax:write", "unknown scope"), ("", "at least one scope"), ("fax:read,,admin", "unknown")],
)
def test_bad_scopes_refused(acme, scopes, message):
    with pytest.raises(ValidationError) as exc:
        create_api_token(acme.account, name="t", scopes=scopes)
    assert message in str(exc.value)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_expiry_in_past_refused(acme):
    with pytest.raises(ValidationError):
        create_api_token(
            acme.account, name="t", scopes="fax:read", expires_at=timezone.now() - timedelta(1)
        )


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_AUTH_TOKEN"])
def test_bearer_and_x_auth_token_both_authenticate(acme, header):
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    value = f"Bearer {issued.secret}" if header == "HTTP_AUTHORIZATION" else issued.secret
    response = APIClient().get(account_url(acme.account), **{header: value})
    assert response.status_code == 200
    assert response.json()["data"]["id"] == acme.account.pk
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


@pytest.mark.django_db
def test_missing_token_is_401_json(acme):
    response = APIClient().get(account_url(acme.account))
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "Bearer token required in Authorization header",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_invalid_token_is_401_json(acme):
    response = APIClient().get(
        account_url(acme.account), HTTP_AUTHORIZATION="Bearer faxapi_0123456789abcdefghij"
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


@pytest.mark.django_db
def test_revoked_token_is_401(acme):
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    revoke_api_token(issued.token)
    response = APIClient().get(
        account_url(acme.account), HTTP_AUTHORIZATION=f"Bearer {issued.secret}"
    )
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


@pytest.mark.django_db
def test_expired_token_is_401(acme):
    issued = create_api_token(
        acme.account, name="t", scopes="fax:read", expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = APIClient().get(
        account_url(acme.account), HTTP_AUTHORIZATION=f"Bearer {issued.secret}"
    )
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


@pytest.mark.django_db
def test_token_of_disabled_account_is_401(acme):
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    acme.account.enabled = False
    acme.account.save()
    response = APIClient().get(
        account_url(acme.account), HTTP_AUTHORIZATION=f"Bearer {issued.secret}"
    )
    assert response.status_code == 401
    assert "disabled" in response.json()["message"]


@pytest.mark.django_db
def test_missing_scope_is_403_json(acme, monkeypatch):
    from faxes.api.v1.accounts import AccountDetail

    monkeypatch.setattr(AccountDetail, "required_scopes", {"GET": "faxbox:manage"})
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    response = APIClient().get(
        account_url(acme.account), HTTP_AUTHORIZATION=f"Bearer {issued.secret}"
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "This token lacks the required scope: faxbox:manage.",
    }
    manager = create_api_token(acme.account, name="m", scopes="faxbox:manage")
    response = APIClient().get(
        account_url(acme.account), HTTP_AUTHORIZATION=f"Bearer {manager.secret}"
    )
    assert response.status_code == 200


def test_scope_implication():
    from accounts.scopes import grants

    assert grants({"fax:all:read"}, "fax:read")
    assert not grants({"fax:read"}, "fax:all:read")
    assert not grants({"fax:read"}, "fax:send")


@pytest.mark.django_db
def test_role_scopes(acme):
    assert acme.admin.has_scope("faxbox:manage")
    assert acme.viewer.has_scope("fax:read")
    assert not acme.viewer.has_scope("fax:send")


@pytest.mark.django_db
def test_last_used_written_at_most_once_a_minute(acme, django_assert_num_queries):
    issued = create_api_token(acme.account, name="t", scopes="fax:read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    client.get(account_url(acme.account))
    # Second request: token lookup only, no UPDATE.
    with django_assert_num_queries(1):
        client.get(account_url(acme.account))


@pytest.mark.django_db
def test_kazoo_credentials_are_kept_as_keyed_digests(acme):
    import hashlib

    from accounts.models import KazooCredential, keyed_digest

    user = acme.admin
    user.username = "Alice@Acme.test"
    user.set_password("s3cret-pass")
    user.save()
    stored = set(KazooCredential.objects.filter(user=user).values_list("digest", flat=True))
    for name in ("Alice@Acme.test", "alice@acme.test"):
        for algo in (hashlib.md5, hashlib.sha1):
            hashed = algo(f"{name}:s3cret-pass".encode()).hexdigest()
            assert keyed_digest("kazoo-credentials", hashed) in stored
            assert hashed not in stored
    assert len(stored) == 4
    user.set_password("another-pass")
    user.save()
    assert not stored & set(
        KazooCredential.objects.filter(user=user).values_list("digest", flat=True)
    )
