"""The faxes a caller may see, and single-fax lookups that answer 404 to outsiders."""

from __future__ import annotations

import re
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from accounts.models import Account
from accounts.tenancy import TenantQuerySet, get_for_account_or_404
from faxes.models import Fax

M = TypeVar("M", bound=Model)

# Ids are 32 hex characters; anything that could not be an id is "not found"
# before it reaches the database (NUL bytes, say, are an error in PostgreSQL).
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def inbound(account: Account) -> QuerySet[Fax]:
    return Fax.objects.for_account(account).live().inbound()


def outbound(account: Account) -> QuerySet[Fax]:
    return Fax.objects.for_account(account).live().outbound()


def valid_id(value: str) -> str:
    if not _ID.match(value):
        raise Http404("Not found")
    return value


def one(queryset: QuerySet[M], account: Account, pk: str) -> M:
    assert isinstance(queryset, TenantQuerySet)  # what every tenant model's manager makes
    return get_for_account_or_404(queryset, account, pk=valid_id(pk))
