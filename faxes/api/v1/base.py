"""Shared pieces of the native API: the acting account and scope checks."""

from __future__ import annotations

from rest_framework.request import Request

from accounts.models import Account
from accounts.permissions import HasRequiredScopes
from accounts.tenancy import resolve_account_or_404


class AccountScopedMixin:
    """Resolves ``account_id`` from the URL against the caller's account tree."""

    permission_classes = [HasRequiredScopes]
    required_scopes: dict[str, str] = {}

    def target_account(self, request: Request, account_id: str | None = None) -> Account:
        acting = request.user.account
        if account_id is None:
            return acting
        return resolve_account_or_404(acting, account_id)
