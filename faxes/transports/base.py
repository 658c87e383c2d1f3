"""The carrier transport interface.

A transport takes a rendered fax TIFF to a destination number. It reports a
finished attempt synchronously (``SendOutcome`` with ``final=True``), or
accepts the job and reports later through ``parse_callback`` (cloud
carriers). Failures are ``TransportError``; ``permanent`` says whether
trying again could help (busy line: no; invalid number: yes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.http import HttpRequest

    from faxes.models import Attempt, Fax


@dataclass(frozen=True)
class TxResult:
    """What one transmission achieved; Kazoo's ``tx_result`` fields."""

    success: bool
    result_code: int | None = None  # 0 on success; else the T.30/carrier code (5100+n for T.30)
    result_text: str = ""
    pages_sent: int = 0
    speed: int | None = None  # bit/s
    ecm: bool | None = None
    bad_rows: int = 0
    receiver_id: str = ""  # the remote station's CSI
    time_elapsed: float = 0.0  # seconds of line time
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OnNetDelivery:
    """A fax a transport carried to a number of this portal, for the engine to file in
    the receiving faxbox (transports never file faxes themselves)."""

    to_number: str
    from_number: str
    data: bytes
    transport: str
    carrier_fax_id: str  # keyed on the outbound fax: a retry finds it already filed
    remote_station_id: str
    rx_result: dict[str, Any]
    filename: str = "received.tiff"


@dataclass(frozen=True)
class SendOutcome:
    """``final``: the attempt ended (see ``result``); else the carrier will call back.
    ``delivered``: what arrived on-net, filed by the engine before the attempt ends."""

    final: bool
    result: TxResult | None = None
    carrier_id: str = ""
    delivered: OnNetDelivery | None = None


class TransportError(Exception):
    """A send attempt failed. ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool, result: TxResult | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.result = result or TxResult(success=False, result_text=message)


@dataclass(frozen=True)
class CallbackEvent:
    carrier_id: str
    result: TxResult | None = None
    inbound: dict[str, Any] | None = None


class Transport(ABC):
    name: ClassVar[str]
    # e.g. {"cancel", "callbacks", "inbound"}
    capabilities: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def send(self, fax: Fax, attempt: Attempt, tiff_path: Path) -> SendOutcome:
        """Transmit ``tiff_path`` to ``fax.to_number``; raise TransportError on failure."""

    def cancel(self, fax: Fax, attempt: Attempt) -> bool:
        """Ask the carrier to stop; False when the transport cannot cancel."""
        return False

    def parse_callback(self, request: HttpRequest) -> CallbackEvent:
        """Verify and decode a carrier callback (carriers with ``callbacks``)."""
        raise NotImplementedError(f"{self.name} sends no callbacks")
