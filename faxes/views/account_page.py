"""The account page (its faxboxes and, for resellers, child accounts) and the landing page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Account
from accounts.requests import AuthenticatedRequest
from accounts.tenancy import resolve_account_or_404
from faxes.models import Faxbox
from faxes.views.lists import inbox


def _account_page(request: AuthenticatedRequest, account: Account) -> HttpResponse:
    faxboxes = Faxbox.objects.for_account(account).live().prefetch_related("numbers")
    children = account.children.order_by("name") if request.user.is_account_admin else []
    acting = request.user.account
    with timezone.override(acting.timezone if acting is not None else None):
        return render(
            request,
            "accounts/home.html",
            {"account": account, "faxboxes": faxboxes, "children": children, "nav": "account"},
        )


# The landing page is the inbox (also at /inbox/). Its decorator handles login and
# sends platform operators (no tenant; their place is Django admin) a 404.
home = inbox


@login_required
def account_detail(request: AuthenticatedRequest, account_id: str) -> HttpResponse:
    """A descendant account's page, for admins of a reseller account."""
    acting = request.user.account
    if acting is None or (not request.user.is_account_admin and account_id != acting.pk):
        raise Http404("Not found")
    return _account_page(request, resolve_account_or_404(acting, account_id))
