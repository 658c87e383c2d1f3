"""API token scopes and what each user role may do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrOrPromise

FAX_READ = "fax:read"
FAX_SEND = "fax:send"
FAX_ALL_READ = "fax:all:read"
FAXBOX_MANAGE = "faxbox:manage"

ALL_SCOPES: dict[str, StrOrPromise] = {
    FAX_READ: _("Read fax data and files"),
    FAX_SEND: _("Send faxes"),
    FAX_ALL_READ: _("Full read access (implies fax:read)"),
    FAXBOX_MANAGE: _("Create, change and delete faxboxes"),
}

# Scopes that another scope implies: fax:all:read passes every read check.
IMPLIED_BY: dict[str, set[str]] = {FAX_READ: {FAX_ALL_READ}}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "admin": frozenset(ALL_SCOPES),
    "staff": frozenset({FAX_READ, FAX_SEND, FAX_ALL_READ}),
    "viewer": frozenset({FAX_READ, FAX_ALL_READ}),
}


def parse_scopes(raw: str | list[str]) -> list[str]:
    """Split and validate a scope list; raises ValueError naming the bad scope."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes: list[str] = []
    for item in (s.strip() for s in items):
        if not item:
            continue
        if item not in ALL_SCOPES:
            raise ValueError(
                f"unknown scope {item!r}; valid scopes are {', '.join(sorted(ALL_SCOPES))}"
            )
        if item not in scopes:
            scopes.append(item)
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes


def grants(held: frozenset[str] | set[str] | list[str], wanted: str) -> bool:
    held_set = set(held)
    return wanted in held_set or bool(IMPLIED_BY.get(wanted, set()) & held_set)
