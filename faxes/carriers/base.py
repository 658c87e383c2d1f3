"""The carrier transport interface.

A transport takes a rendered fax TIFF to a destination number. It reports a
finished attempt synchronously (``SendOutcome`` with ``final=True``), or
accepts the job and reports later (``reports_later``: cloud carriers, through
``parse_callback`` and ``fetch_status``). Failures are ``TransportError``; ``permanent``
says whether trying again could help (busy line: no; invalid number: yes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from faxes.failures import Failure, FaxFailure, lookup

if TYPE_CHECKING:
    from django.http import HttpRequest

    from faxes.carriers.common import CarrierSettings
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
    compression: str = ""  # how the pages were coded on the line: "mmr", "mr", "mh"; "" unknown
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


class TransportError(FaxFailure):
    """A send attempt failed. ``permanent`` failures are not retried; ``failure`` is the
    entry of ``faxes.failures`` (by default the one the result's code and text name)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool | None = None,
        result: TxResult | None = None,
        failure: Failure | str | None = None,
    ):
        self.result = result or TxResult(success=False, result_text=message)
        if failure is None:
            failure = lookup(
                self.result.result_code, self.result.result_text, "", self.result.details
            )
        super().__init__(message, failure=failure, permanent=permanent)


PROGRESS = "progress"
DELIVERED = "delivered"
FAILED = "failed"


@dataclass(frozen=True)
class CarrierStatus:
    """A carrier's report on one outbound fax, in our vocabulary."""

    carrier_id: str
    state: str  # PROGRESS, DELIVERED or FAILED
    carrier_status: str  # the carrier's own word, kept for the attempt's details
    result: TxResult | None = None
    permanent: bool = False  # for FAILED: would trying again help?
    message: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class InboundFax:
    """A received fax a carrier announced (or, with no ``media_url`` yet, offers).

    It crosses the broker as ``to_json()`` (the task ``faxes.carrier_download_inbound``);
    ``from_json`` also reads what was queued before this class existed: the same keys.
    """

    carrier_fax_id: str
    to: str
    from_: str
    media_url: str
    config_key: str
    pages: int | None = None
    remote_station_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "carrier_fax_id": self.carrier_fax_id,
            "to": self.to,
            "from": self.from_,
            "media_url": self.media_url,
            "pages": self.pages,
            "remote_station_id": self.remote_station_id,
            "config_key": self.config_key,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InboundFax:
        pages = data.get("pages")
        return cls(
            carrier_fax_id=str(data["carrier_fax_id"]),
            to=str(data.get("to") or ""),
            from_=str(data.get("from") or ""),
            media_url=str(data.get("media_url") or ""),
            config_key=str(data.get("config_key") or ""),
            pages=pages if isinstance(pages, int) else None,
            remote_station_id=str(data.get("remote_station_id") or ""),
            extra=dict(data.get("extra") or {}),
        )


STATUS: Final = "status"  # an outbound fax's progress or end (``status``)
INBOUND: Final = "inbound"  # a received fax to download (``inbound``)
OFFER: Final = "offer"  # a fax being offered, to accept or reject now (``inbound``, no media yet)
IGNORED: Final = "ignored"  # nothing for us to do


@dataclass(frozen=True)
class CarrierCallback:
    """A verified callback, as ``Transport.parse_callback`` returns it."""

    carrier_id: str
    kind: Literal["status", "inbound", "offer", "ignored"] = IGNORED
    config_key: str = ""
    status: CarrierStatus | None = None
    inbound: InboundFax | None = None
    event_id: str = ""  # the carrier's id of this delivery, for de-duplication
    attempt_token: str = ""  # our signed token, when the callback URL or payload carries one


class Transport(ABC):
    """Everything the engine calls on a transport. Cloud carriers override all of it; the
    defaults are what a transport that finishes each send synchronously does."""

    name: ClassVar[str]
    # True: ``send`` only hands the fax over, the carrier reports later (callbacks, polls),
    # so a fax stays "sending" meanwhile and may be cancelled at the carrier.
    reports_later: ClassVar[bool] = False
    # The CarrierSettings fields a configuration of this carrier must fill.
    needs: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def environment(cls) -> dict[str, str]:
        """The portal-wide CarrierSettings fields, from settings (the carrier's conf.py)."""
        return {}

    @abstractmethod
    def send(self, fax: Fax, attempt: Attempt, tiff_path: Path) -> SendOutcome:
        """Transmit ``tiff_path`` to ``fax.to_number``; raise TransportError on failure."""

    def cancel(self, fax: Fax, attempt: Attempt) -> bool:
        """Ask the carrier to stop; False when it cannot (or said no)."""
        return False

    def fetch_status(self, fax: Fax, attempt: Attempt) -> CarrierStatus | None:
        """The fax's status at the carrier now; None when it cannot be asked."""
        return None

    def media_auth(self, config: CarrierSettings, url: str) -> tuple[dict[str, str], frozenset]:
        """Headers for downloading a received fax from ``url``, and the hosts they may go to."""
        return {}, frozenset()

    def refresh_media_url(self, config: CarrierSettings, fax_id: str) -> str:
        """A fresh media URL for a received fax whose link expired; '' when there is none."""
        return ""

    def parse_callback(self, request: HttpRequest) -> CarrierCallback:
        """Verify and decode a carrier callback; CallbackRejected when it must not be acted on."""
        raise NotImplementedError(f"{self.name} sends no callbacks")
