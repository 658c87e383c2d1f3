"""Carrier transports, chosen by name: per account or faxbox (``CarrierConfig`` in Django
admin), else the setting ``FAXPORTAL_TRANSPORT``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from faxes.transports.base import (
    CallbackEvent,
    SendOutcome,
    Transport,
    TransportError,
    TxResult,
)

if TYPE_CHECKING:
    from accounts.models import Account
    from faxes.models import Faxbox

__all__ = [
    "CallbackEvent",
    "SendOutcome",
    "Transport",
    "TransportError",
    "TxResult",
    "get_transport",
    "transport_for",
    "transport_names",
]


def _registry() -> dict[str, type[Transport]]:
    from faxes.transports.loopback import LoopbackTransport
    from faxes.transports.signalwire import SignalWireTransport
    from faxes.transports.telnyx import TelnyxTransport

    return {
        transport.name: transport
        for transport in (LoopbackTransport, SignalWireTransport, TelnyxTransport)
    }


def transport_names() -> list[str]:
    return sorted(_registry())


def get_transport(name: str | None = None) -> Transport:
    name = name or settings.FAXPORTAL_TRANSPORT
    try:
        return _registry()[name]()
    except KeyError:
        raise ValueError(f"unknown transport {name!r}; known: {transport_names()}") from None


def transport_for(account: Account, faxbox: Faxbox | None = None) -> str:
    """The transport a new fax of this faxbox/account goes out through: the nearest enabled
    carrier configuration (faxbox, account, reseller ancestors), else FAXPORTAL_TRANSPORT."""
    from faxes.transports.carriers import transport_name_for

    return transport_name_for(account, faxbox)
