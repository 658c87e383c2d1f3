"""Security of the UI: login everywhere, the role-by-route matrix (403 for a forbidden
action on an own object, 404 for another tenant's object), CSRF, idle timeout, a strict
content security policy on every page."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from faxes.models import Contact, FaxStatus, WebhookEndpoint
from faxes.views.common import LAST_SEEN_KEY
from tests.conftest import PASSWORD
from tests.ui.conftest import login, outbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(acme, acme_box, inbound_fax, staff):
    from accounts.services import create_api_token

    failed = outbound(acme_box, FaxStatus.FAILED, "+12025550120")
    queued = outbound(acme_box, FaxStatus.QUEUED, "+12025550120")
    contact = Contact.objects.create(account=acme.account, name="Lab", fax_number="+12025550177")
    token = create_api_token(acme.account, name="lab", scopes="fax:read").token
    hook = WebhookEndpoint.objects.create(
        account=acme.account, url="https://93.184.216.34/h", events=["fax.received"], secret="s"
    )
    return {
        "inbound": inbound_fax,
        "failed": failed,
        "queued": queued,
        "contact": contact,
        "token": token,
        "hook": hook,
        "faxbox": acme_box,
        "staff": staff,
    }


# (route name, object key or None, method, data, who may: read|send|manage)
ROUTES = [
    ("fax-detail", "inbound", "get", None, "read"),
    ("fax-pdf", "inbound", "get", None, "read"),
    ("fax-tiff", "inbound", "get", None, "read"),
    ("fax-thumbnail", "inbound", "get", None, "read"),
    ("fax-mark", "inbound", "post", {"read": "0"}, "read"),
    ("fax-forward", "inbound", "post", {"to": "+12025550120", "faxbox": "?"}, "send"),
    ("fax-cancel", "queued", "post", {}, "send"),
    ("fax-resubmit", "failed", "post", {}, "send"),
    ("fax-receipt", "failed", "get", None, "read"),
    ("fax-purge", "inbound", "post", {}, "manage"),
    ("fax-delete", "inbound", "post", {}, "manage"),
    ("contact-edit", "contact", "post", {"name": "Lab 2", "fax_number": "+12025550177"}, "send"),
    ("contact-delete", "contact", "post", {}, "send"),
    ("manage-faxbox-edit", "faxbox", "get", None, "manage"),
    ("manage-user-role", "staff", "post", {"role": "viewer"}, "manage"),
    ("manage-user-active", "staff", "post", {"active": "0"}, "manage"),
    ("manage-token-revoke", "token", "post", {}, "manage"),
    ("manage-webhook-toggle", "hook", "post", {"enabled": "0"}, "manage"),
]
PAGES = [
    ("inbox", "read"),
    ("outbox", "read"),
    ("contacts", "read"),
    ("send", "send"),
    ("contact-create", "send"),
    ("manage-faxboxes", "manage"),
    ("manage-faxbox-create", "manage"),
    ("manage-users", "manage"),
    ("manage-tokens", "manage"),
    ("manage-webhooks", "manage"),
    ("manage-audit", "manage"),
]
ALLOWED = {"viewer": {"read"}, "staff": {"read", "send"}, "admin": {"read", "send", "manage"}}


def _request(client: Client, name: str, obj, method: str, data):
    url = reverse(name, args=[obj.pk]) if obj is not None else reverse(name)
    if data and data.get("faxbox") == "?":
        data = {**data, "faxbox": obj.faxbox_id}
    return client.get(url) if method == "get" else client.post(url, data or {})


@pytest.mark.parametrize(("name", "key", "method", "data", "need"), ROUTES)
@pytest.mark.parametrize("role", ["viewer", "staff", "admin"])
def test_object_routes_by_role(objects, acme, role, name, key, method, data, need):
    user = {"viewer": acme.viewer, "staff": objects["staff"], "admin": acme.admin}[role]
    response = _request(login(user), name, objects[key], method, data)
    if need in ALLOWED[role]:
        assert response.status_code in (200, 302), (role, name, response.status_code)
    else:
        assert response.status_code == 403, (role, name, response.status_code)


@pytest.mark.parametrize(("name", "key", "method", "data", "need"), ROUTES)
def test_other_tenant_gets_404_on_every_object_route(
    objects, charlie, name, key, method, data, need
):
    response = _request(login(charlie), name, objects[key], method, data)
    assert response.status_code == 404, name


@pytest.mark.parametrize(("name", "need"), PAGES)
@pytest.mark.parametrize("role", ["viewer", "staff", "admin"])
def test_pages_by_role(acme, acme_box, staff, role, name, need):
    user = {"viewer": acme.viewer, "staff": staff, "admin": acme.admin}[role]
    response = login(user).get(reverse(name))
    assert response.status_code == (200 if need in ALLOWED[role] else 403), (role, name)


def test_menus_hide_what_the_role_may_not_do(acme, acme_box, staff, inbound_fax):
    viewer_page = login(acme.viewer).get(reverse("fax-detail", args=[inbound_fax.pk]))
    html = viewer_page.content.decode()
    assert "New fax" not in html and "Forward fax" not in html and "Purge files" not in html
    assert reverse("manage-users") not in html
    staff_html = login(staff).get(reverse("fax-detail", args=[inbound_fax.pk])).content.decode()
    assert "New fax" in staff_html and "Forward fax" in staff_html
    assert "Purge files" not in staff_html and reverse("manage-users") not in staff_html
    admin_html = login(acme.admin).get(reverse("fax-detail", args=[inbound_fax.pk])).content
    assert b"Purge files" in admin_html and reverse("manage-users").encode() in admin_html


@pytest.mark.parametrize("name", [name for name, _ in PAGES])
def test_every_page_requires_login(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_partials_send_the_login_page_as_a_full_redirect(db):
    response = Client().get(reverse("inbox") + "?partial=rows", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_csrf_is_enforced_on_actions(acme, objects):
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.admin)
    url = reverse("fax-cancel", args=[objects["queued"].pk])
    assert client.post(url).status_code == 403
    objects["queued"].refresh_from_db()
    assert objects["queued"].status == FaxStatus.QUEUED


def test_idle_session_is_logged_out(settings, acme, acme_box):
    settings.FAXPORTAL_SESSION_IDLE_TIMEOUT = 60
    client = login(acme.viewer)
    assert client.get(reverse("inbox")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 120
    session.save()
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("inbox")).status_code == 302  # the session is gone


def test_background_polls_do_not_keep_a_session_alive(settings, acme, acme_box):
    settings.FAXPORTAL_SESSION_IDLE_TIMEOUT = 60
    client = login(acme.viewer)
    client.get(reverse("inbox"))
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 59
    session.save()
    client.get(reverse("inbox") + "?partial=rows&poll=1")
    assert client.session[LAST_SEEN_KEY] == session[LAST_SEEN_KEY]


def test_login_lands_in_the_inbox_and_operators_in_django_admin(acme, acme_box):
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": acme.viewer.username, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"<h1>Inbox</h1>" in response.content
    operator = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    assert login(operator).get(reverse("home")).status_code == 404
    assert login(operator).get(reverse("inbox")).status_code == 404


def test_error_pages_render_without_a_request(acme, acme_box):
    client = login(acme.viewer)
    response = client.get(reverse("inbox"), {"after": "%%%"})
    assert response.status_code == 400 and b"Bad request" in response.content
    missing = client.get("/faxes/" + "0" * 32 + "/")
    assert missing.status_code == 404 and b"belongs to another account" in missing.content


@pytest.mark.parametrize("name", ["inbox", "outbox", "send", "contacts", "manage-audit"])
def test_every_page_has_a_strict_content_security_policy(acme, name):
    response = login(acme.admin).get(reverse(name))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "default-src 'self'" in policy
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    assert '"allowEval":false' in html
