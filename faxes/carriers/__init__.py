"""Carriers: one folder each (``faxes/carriers/<name>/``: transport, callback views,
signature check, URLs), listed once in ``faxes.carriers.registry``.

A fax goes out through the transport chosen per account or faxbox (``CarrierConfig`` in
Django admin), else the setting ``FAXPORTAL_TRANSPORT``. Shared pieces: ``base`` (the
``Transport`` interface and typed events), ``common`` (carrier settings, tokens, the
requests both cloud carriers make), ``http`` (the carrier HTTP client), ``hooks`` (what
every callback endpoint does), ``media`` (the signed document links carriers fetch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from faxes.carriers import registry

if TYPE_CHECKING:
    from accounts.models import Account
    from faxes.carriers.base import Transport
    from faxes.models import Faxbox

__all__ = ["get_transport", "transport_for", "transport_names"]


def transport_names() -> list[str]:
    return sorted(registry.NAMES)


def get_transport(name: str | None = None) -> Transport:
    name = name or settings.FAXPORTAL_TRANSPORT
    try:
        transport: type[Transport] = registry.transport_class(name)
        return transport()
    except KeyError:
        raise ValueError(f"unknown transport {name!r}; known: {transport_names()}") from None


def transport_for(account: Account, faxbox: Faxbox | None = None) -> str:
    """The transport a new fax of this faxbox/account goes out through: the nearest enabled
    carrier configuration (faxbox, account, reseller ancestors), else FAXPORTAL_TRANSPORT."""
    from faxes.carriers.common import transport_name_for

    return transport_name_for(account, faxbox)
