"""Every route: another tenant's user or token gets 404; resellers reach descendants only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from faxes.models import Faxbox
from tests.conftest import session_client, token_client


def api_routes(account_id: str, faxbox_id: str) -> list[str]:
    return [
        reverse("v1-account", args=[account_id]),
        reverse("v1-faxbox-list", args=[account_id]),
        reverse("v1-faxbox-detail", args=[account_id, faxbox_id]),
    ]


def faxbox_of(account) -> Faxbox:
    return Faxbox.objects.for_account(account).first()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["bearer", "x-auth-token", "session"])
def test_own_account_routes_answer_200(acme, how):
    client = (
        session_client(acme.viewer)
        if how == "session"
        else token_client(acme.account, header="bearer" if how == "bearer" else "kazoo")
    )
    for url in api_routes(acme.account.pk, faxbox_of(acme.account).pk):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()["data"]


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["bearer", "x-auth-token", "session"])
def test_other_tenant_gets_404_on_every_api_route(acme, other, how):
    client = (
        session_client(other.admin)
        if how == "session"
        else token_client(other.account, header="bearer" if how == "bearer" else "kazoo")
    )
    for url in api_routes(acme.account.pk, faxbox_of(acme.account).pk):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"error": "not_found", "message": "Not found."}


@pytest.mark.django_db
def test_other_tenants_faxbox_under_own_account_url_is_404(acme, other):
    client = token_client(other.account)
    url = reverse("v1-faxbox-detail", args=[other.account.pk, faxbox_of(acme.account).pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_faxbox_list_contains_only_own_faxboxes(acme, other):
    client = token_client(acme.account)
    names = [
        fb["name"]
        for fb in client.get(reverse("v1-faxbox-list", args=[acme.account.pk])).json()["data"]
    ]
    assert names == ["Acme front desk"]


@pytest.mark.django_db
def test_faxbox_list_query_count_is_constant(acme, django_assert_max_num_queries):
    from tests.factories import FaxboxFactory, FaxNumberFactory

    for _ in range(20):
        FaxNumberFactory(faxbox=FaxboxFactory(account=acme.account))
    client = token_client(acme.account)
    url = reverse("v1-faxbox-list", args=[acme.account.pk])
    # token lookup, last-used update, faxboxes, numbers (prefetched)
    with django_assert_max_num_queries(4):
        assert len(client.get(url).json()["data"]) == 21


@pytest.mark.django_db
def test_reseller_token_and_admin_reach_descendants(reseller_tree):
    tree = reseller_tree
    for client in (token_client(tree.reseller.account), session_client(tree.reseller.admin)):
        for account in (tree.child.account, tree.grandchild):
            for url in api_routes(account.pk, faxbox_of(account).pk):
                assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_child_never_reaches_parent_or_sibling(reseller_tree):
    tree = reseller_tree
    client = token_client(tree.child.account)
    for account in (tree.reseller.account, tree.sibling.account):
        for url in api_routes(account.pk, faxbox_of(account).pk):
            assert client.get(url).status_code == 404, url
    # ...but reaches its own child.
    assert client.get(reverse("v1-account", args=[tree.grandchild.pk])).status_code == 200


@pytest.mark.django_db
def test_reseller_cannot_reach_child_faxbox_through_own_account_url(reseller_tree):
    tree = reseller_tree
    client = token_client(tree.reseller.account)
    url = reverse(
        "v1-faxbox-detail", args=[tree.reseller.account.pk, faxbox_of(tree.child.account).pk]
    )
    assert client.get(url).status_code == 404


# --- browser pages ---------------------------------------------------------


@pytest.mark.django_db
def test_home_shows_own_account_and_faxboxes(acme, other):
    client = Client()
    client.force_login(acme.viewer)
    # The landing page is the inbox; the account overview has its own page.
    assert b"<h1>Inbox</h1>" in client.get(reverse("home")).content
    page = client.get(reverse("account-detail", args=[acme.account.pk])).content.decode()
    assert "Acme Clinic" in page and "Acme front desk" in page
    assert "Other" not in page


@pytest.mark.django_db
def test_account_page_of_other_tenant_is_404(acme, other):
    client = Client()
    client.force_login(other.admin)
    assert client.get(reverse("account-detail", args=[acme.account.pk])).status_code == 404


@pytest.mark.django_db
def test_reseller_admin_sees_children_pages(reseller_tree):
    tree = reseller_tree
    client = Client()
    client.force_login(tree.reseller.admin)
    home = client.get(reverse("account-detail", args=[tree.reseller.account.pk])).content.decode()
    assert "Child" in home and "Sibling" in home
    page = client.get(reverse("account-detail", args=[tree.grandchild.pk]))
    assert page.status_code == 200
    assert "Grandchild box" in page.content.decode()


@pytest.mark.django_db
def test_child_admin_cannot_open_parent_or_sibling_page(reseller_tree):
    tree = reseller_tree
    client = Client()
    client.force_login(tree.child.admin)
    for account in (tree.reseller.account, tree.sibling.account):
        assert client.get(reverse("account-detail", args=[account.pk])).status_code == 404


@pytest.mark.django_db
def test_reseller_viewer_cannot_open_child_pages(reseller_tree):
    client = Client()
    client.force_login(reseller_tree.reseller.viewer)
    url = reverse("account-detail", args=[reseller_tree.child.account.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_pages_require_login(acme):
    client = Client()
    for url in (reverse("home"), reverse("account-detail", args=[acme.account.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_tenant_queryset_helpers(reseller_tree, acme):
    tree = reseller_tree
    names = set(
        Faxbox.objects.for_account_tree(tree.reseller.account).values_list("name", flat=True)
    )
    assert names == {"Reseller box", "Child box", "Grandchild box", "Sibling box"}
    assert set(Faxbox.objects.for_account(tree.child.account).values_list("name", flat=True)) == {
        "Child box"
    }
