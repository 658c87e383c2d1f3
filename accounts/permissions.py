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


class HasRequiredScopes(IsAccountMember):
    """Checks ``view.required_scopes``: a scope per HTTP method (or ``"*"``).

    A principal without the scope gets 403, which is the documented answer
    for "token lacks required scope".
    """

    message = "This token lacks the required scope."

    def has_permission(self, request: Request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        required = getattr(view, "required_scopes", {})
        scope = required.get(request.method, required.get("*"))
        if scope is None:
            return True
        if not request.user.has_scope(scope):
            self.message = f"This token lacks the required scope: {scope}."
            return False
        return True
