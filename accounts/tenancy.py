"""The one scoping path for tenant-owned data.

Every tenant-owned model uses ``TenantQuerySet`` as its manager. Views, API
endpoints, services and tasks fetch rows with ``for_account`` (one tenant) or
``for_accounts`` (a reseller's subtree); an object outside that scope is
reported as missing (404), never as forbidden, so ids of other tenants leak
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from accounts.models import Account

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet[M]):
    def for_account(self, account: Account) -> Self:
        """Rows owned by exactly this account."""
        return self.filter(account_id=account.pk)

    def for_account_tree(self, account: Account) -> Self:
        """Rows owned by this account or any of its descendants (reseller view)."""
        return self.filter(account__tree_path__startswith=account.tree_path)


TenantManager = models.Manager.from_queryset(TenantQuerySet)


def get_for_account_or_404(
    queryset: TenantQuerySet[M] | type[M], account: Account, **lookup: Any
) -> M:
    """Fetch one row of ``account`` or raise 404, whether it is absent or foreign."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()  # type: ignore[assignment]
    try:
        return queryset.for_account(account).get(**lookup)  # type: ignore[union-attr]
    except (queryset.model.DoesNotExist, ValueError):  # type: ignore[union-attr]
        raise Http404("Not found") from None


def resolve_account_or_404(acting: Account, account_id: str) -> Account:
    """The account named in a URL, if ``acting`` may act on it; else 404.

    An account may act on itself and, as a reseller, on its descendants; a
    child never reaches its parent or its siblings.
    """
    if account_id == acting.pk:
        return acting
    accounts = type(acting)._default_manager  # the Account model, without importing it here
    try:
        target = accounts.get(pk=account_id)
    except accounts.model.DoesNotExist:
        raise Http404("Not found") from None
    if not acting.is_ancestor_of(target):
        raise Http404("Not found")
    return target
