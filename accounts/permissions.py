"""API permissions: account membership and token scopes."""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.request import Request


class IsAccountMember(permissions.BasePermission):
    """Authenticated as a user or token of an enabled account."""

    def has_permission(self, request: Request, view) -> bool:
        principal = request.user
        if not getattr(principal, "is_authenticated", False):
            return False
        account = getattr(principal, "account", None)
        return account is not None and account.enabled
