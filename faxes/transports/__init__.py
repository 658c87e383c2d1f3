"""Carrier transports, chosen by name (setting ``FAXPORTAL_TRANSPORT``)."""

from __future__ import annotations

from django.conf import settings

from faxes.transports.base import (
    CallbackEvent,
    SendOutcome,
    Transport,
    TransportError,
    TxResult,
)

__all__ = [
    "CallbackEvent",
    "SendOutcome",
    "Transport",
    "TransportError",
    "TxResult",
    "get_transport",
    "transport_names",
]


def _registry() -> dict[str, type[Transport]]:
    from faxes.transports.loopback import LoopbackTransport

    return {LoopbackTransport.name: LoopbackTransport}


def transport_names() -> list[str]:
    return sorted(_registry())


def get_transport(name: str | None = None) -> Transport:
    name = name or settings.FAXPORTAL_TRANSPORT
    try:
        return _registry()[name]()
    except KeyError:
        raise ValueError(f"unknown transport {name!r}; known: {transport_names()}") from None
