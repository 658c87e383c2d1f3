from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.services import create_api_token
from accounts.tokens import find_token
from faxes.models import Attempt
from tests.factories import FaxFactory


@pytest.fixture
def admin_client(db) -> Client:
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def populated(acme):
    fax = FaxFactory(faxbox=acme.account.faxboxes.first(), account=acme.account)
    from django.utils import timezone

    Attempt.objects.create(
        fax=fax, account=acme.account, number=1, transport="loopback", started_at=timezone.now()
    )
    issued = create_api_token(acme.account, name="lab", scopes="fax:read")
    return {"fax": fax, "token": issued}


MODELS = [
    ("accounts", "account"),
    ("accounts", "user"),
    ("accounts", "apitoken"),
    ("accounts", "authsession"),
    ("accounts", "kazoocredential"),
    ("faxes", "faxbox"),
    ("faxes", "faxnumber"),
    ("faxes", "callflow"),
    ("faxes", "fax"),
    ("faxes", "faxdocument"),
    ("faxes", "inboundrefusal"),
    ("faxes", "auditevent"),
    ("faxes", "attempt"),
    ("faxes", "smtplog"),
    ("faxes", "smtpcredential"),
    ("faxes", "faxevent"),
    ("faxes", "documentpart"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_pages_load(admin_client, populated, acme, app, model):
    changelist = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:{app}_{model}_add"))
    # Rows that only the system creates have no add page (the audit trail neither).
    system_made = ("authsession", "kazoocredential", "auditevent", "smtpcredential")
    assert add.status_code == (403 if model in system_made else 200)
    searched = admin_client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "acme"})
    assert searched.status_code == 200
    objects = {
        "account": acme.account.pk,
        "user": acme.admin.pk,
        "apitoken": populated["token"].token.pk,
        "faxbox": acme.account.faxboxes.first().pk,
        "fax": populated["fax"].pk,
    }
    if model in objects:
        change = admin_client.get(reverse(f"admin:{app}_{model}_change", args=[objects[model]]))
        assert change.status_code == 200


@pytest.mark.django_db
def test_admin_lists_show_the_account(admin_client, populated):
    page = admin_client.get(reverse("admin:faxes_fax_changelist")).content.decode()
    assert "Acme Clinic" in page
    page = admin_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert "Acme Clinic" in page


@pytest.mark.django_db
def test_admin_never_shows_token_secret_or_digest(admin_client, populated):
    issued = populated["token"]
    page = admin_client.get(
        reverse("admin:accounts_apitoken_change", args=[issued.token.pk])
    ).content.decode()
    assert issued.secret not in page
    assert issued.token.digest not in page


@pytest.mark.django_db
def test_admin_creates_token_and_shows_secret_once(admin_client, acme):
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"account": acme.account.pk, "name": "from admin", "scopes": '["fax:read"]'},
        follow=True,
    )
    assert response.status_code == 200
    message = next(str(m) for m in response.context["messages"])
    secret = message.rsplit(" ", 1)[-1]
    token = find_token(secret)
    assert token is not None and token.name == "from admin"
    # The list page after that does not repeat it.
    assert (
        secret
        not in admin_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    )


@pytest.mark.django_db
def test_admin_refuses_unknown_scope(admin_client, acme):
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"account": acme.account.pk, "name": "bad", "scopes": '["fax:everything"]'},
    )
    assert response.status_code == 200
    assert "unknown scope" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_admin_revoke_action(admin_client, populated):
    token = populated["token"].token
    admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_tenant_admin_cannot_use_django_admin(acme):
    client = Client()
    client.force_login(acme.admin)
    response = client.get(reverse("admin:faxes_fax_changelist"))
    assert response.status_code == 302  # to the admin login: tenants have no staff flag


@pytest.mark.django_db
def test_faxbox_action_makes_an_smtp_login_shown_once(admin_client, acme):
    from faxes.models import SmtpCredential
    from faxes.services.mail_in import authenticate

    faxbox = acme.account.faxboxes.first()
    answer = admin_client.post(
        reverse("admin:faxes_faxbox_changelist"),
        {"action": "new_smtp_credential", "_selected_action": [faxbox.pk]},
        follow=True,
    )
    credential = SmtpCredential.objects.get(faxbox=faxbox)
    text = answer.content.decode()
    password = text.split(f"user name {credential.username}, password ")[1].split("<")[0].strip()
    assert password not in credential.secret_digest
    assert authenticate(credential.username, password) == credential.pk
