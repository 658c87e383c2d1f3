"""Every transport the portal knows, one line each: the only list of them.

It feeds ``FAXPORTAL_TRANSPORT``'s validation (settings), the ``CarrierConfig.transport``
choices, the carrier URLs under ``/hooks/`` and ``faxes.carriers.get_transport``. This module
imports nothing of Django or the portal, so settings can read it; the transport classes and
URL modules are named by dotted path and imported when first used.

Adding a carrier: write its folder ``faxes/carriers/<name>/`` (see docs/architecture.md,
"Adding a carrier") and add its line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faxes.carriers.base import Transport


@dataclass(frozen=True)
class Carrier:
    name: str  # in settings, CarrierConfig rows, Fax.transport and the /hooks/<name>/ URLs
    label: str  # the CarrierConfig choice label
    cloud: bool = True  # reached over the internet: callbacks, polls, media links, credentials

    @property
    def transport(self) -> str:
        """Dotted path of the ``Transport`` subclass (``faxes/carriers/<name>/transport.py``)."""
        return f"faxes.carriers.{self.name}.transport.Carrier"

    @property
    def conf(self) -> str | None:
        """Dotted path of the module reading the carrier's settings from the environment
        (``from_environment()``, called by faxportal.settings)."""
        return f"faxes.carriers.{self.name}.conf" if self.cloud else None

    @property
    def urls(self) -> str | None:
        """Dotted path of the carrier's URL patterns, mounted at ``/hooks/<name>/``."""
        return f"faxes.carriers.{self.name}.urls" if self.cloud else None


CARRIERS: tuple[Carrier, ...] = (
    Carrier("loopback", "Loopback (on-net, no carrier)", cloud=False),
    Carrier("signalwire", "SignalWire (compatibility fax API)"),
    Carrier("telnyx", "Telnyx (programmable fax API)"),
)

NAMES: tuple[str, ...] = tuple(carrier.name for carrier in CARRIERS)
CLOUD: tuple[str, ...] = tuple(carrier.name for carrier in CARRIERS if carrier.cloud)
CHOICES: list[tuple[str, str]] = [(carrier.name, carrier.label) for carrier in CARRIERS]


def by_name(name: str) -> Carrier:
    for carrier in CARRIERS:
        if carrier.name == name:
            return carrier
    raise KeyError(name)


@cache
def transport_class(name: str) -> type[Transport]:
    """The ``Transport`` subclass of carrier ``name`` (KeyError when there is none)."""
    module, _, attribute = by_name(name).transport.rpartition(".")
    return getattr(import_module(module), attribute)
