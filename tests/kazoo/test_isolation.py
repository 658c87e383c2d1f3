"""Every /v2 route with another account's token, a token lacking the scope, and a reseller's."""

from __future__ import annotations

import pytest

from accounts.services import create_api_token
from faxes.models import SmtpLog
from tests.factories import FaxFactory
from tests.kazoo.conftest import Kazoo

pytestmark = pytest.mark.django_db

ROUTES = [
    ("GET", "faxes"), ("PUT", "faxes"), ("GET", "faxes/outgoing"), ("PUT", "faxes/outgoing"),
    ("GET", "faxes/outgoing/{out}"), ("GET", "faxes/outbox"), ("GET", "faxes/outbox/{done}"),
    ("DELETE", "faxes/outbox/{done}"), ("PUT", "faxes/outbox/{done}"),
    ("GET", "faxes/outbox/{done}/attachment"), ("DELETE", "faxes/outbox/{done}/attachment"),
    ("GET", "faxes/inbox"), ("GET", "faxes/inbox/{in}"), ("DELETE", "faxes/inbox/{in}"),
    ("PUT", "faxes/inbox/{in}"), ("GET", "faxes/inbox/{in}/attachment"),
    ("DELETE", "faxes/inbox/{in}/attachment"), ("GET", "faxes/incoming"),
    ("GET", "faxes/incoming/{in}"), ("GET", "faxes/smtplog"), ("GET", "faxes/smtplog/{log}"),
    ("GET", "faxes/{in}"), ("DELETE", "faxes/{in}"), ("GET", "faxes/{in}/attachment"),
    ("GET", "faxboxes"), ("PUT", "faxboxes"), ("GET", "faxboxes/{box}"),
    ("POST", "faxboxes/{box}"), ("PATCH", "faxboxes/{box}"), ("DELETE", "faxboxes/{box}"),
    ("GET", "faxboxes/{box}/faxes/inbox"), ("GET", "users/{user}/faxes/outbox"),
]  # fmt: skip
WRITE_SCOPE = {"PUT", "POST", "PATCH", "DELETE"}


@pytest.fixture
def acme_objects(acme):
    box = acme.account.faxboxes.first()
    return {
        "out": FaxFactory(account=acme.account, faxbox=box, direction="outbound",
                          status="queued").pk,
        "done": FaxFactory(account=acme.account, faxbox=box, direction="outbound",
                           status="delivered").pk,
        "in": FaxFactory(account=acme.account, faxbox=box).pk,
        "log": SmtpLog.objects.create(account=acme.account, from_address="a@b",
                                      to_address="c@d").pk,
        "box": box.pk,
        "user": acme.admin.pk,
    }  # fmt: skip


def call(client: Kazoo, method: str, url: str) -> int:
    return client.call(method, url, {} if method in WRITE_SCOPE else None).status_code


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_another_accounts_token_is_forbidden(acme, other, acme_objects, method, route):
    charlie = Kazoo(create_api_token(other.account, name="c",
                                     scopes="fax:read,fax:send,faxbox:manage").secret)  # fmt: skip
    url = f"/v2/accounts/{acme.account.pk}/" + route.format(**acme_objects)
    assert call(charlie, method, url) == 403


@pytest.mark.parametrize(("method", "route"), [r for r in ROUTES if "{" in r[1]])
def test_foreign_ids_under_own_account_are_bad_identifier(acme, other, acme_objects, method,
                                                          route):  # fmt: skip
    charlie = Kazoo(create_api_token(other.account, name="c",
                                     scopes="fax:read,fax:send,faxbox:manage").secret)  # fmt: skip
    url = f"/v2/accounts/{other.account.pk}/" + route.format(**acme_objects)
    assert call(charlie, method, url) == 404


@pytest.mark.parametrize(("method", "route"), [r for r in ROUTES if r[0] != "GET"])
def test_read_only_token_cannot_write(acme, acme_objects, method, route):
    reader = Kazoo(create_api_token(acme.account, name="r", scopes="fax:read").secret)
    url = f"/v2/accounts/{acme.account.pk}/" + route.format(**acme_objects)
    assert call(reader, method, url) == 403


@pytest.mark.parametrize(("method", "route"), [r for r in ROUTES if r[0] == "GET"])
def test_reseller_token_reads_child_account(reseller_tree, method, route):
    tree = reseller_tree
    child = tree.child.account
    box = child.faxboxes.first()
    objects = {
        "out": FaxFactory(account=child, faxbox=box, direction="outbound", status="queued").pk,
        "done": FaxFactory(account=child, faxbox=box, direction="outbound",
                           status="delivered").pk,
        "in": FaxFactory(account=child, faxbox=box).pk,
        "log": SmtpLog.objects.create(account=child, from_address="a@b", to_address="c@d").pk,
        "box": box.pk, "user": tree.child.admin.pk,
    }  # fmt: skip
    parent = Kazoo(create_api_token(tree.reseller.account, name="p", scopes="fax:read").secret)
    url = f"/v2/accounts/{child.pk}/" + route.format(**objects)
    expected = 404 if "attachment" in route else 200  # factory faxes carry no document
    assert call(parent, method, url) == expected
