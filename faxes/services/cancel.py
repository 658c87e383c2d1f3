"""Cancelling a fax before (or, at a cloud carrier, while) it is transmitted."""

from __future__ import annotations

from faxes import lifecycle
from faxes.models import Fax, FaxStatus
from faxes.services import carrier_events

S = FaxStatus


def cancel_fax(fax: Fax, reason: str = "cancelled by user") -> bool:
    """Cancel a fax not yet being transmitted. One a cloud carrier is transmitting is
    cancelled at the carrier (its callback then ends it as failed, "cancelled", not
    retried). False when it is too late: finished, or on a line that cannot stop."""
    if lifecycle.transition(fax.pk, lifecycle.CANCELLABLE, S.CANCELLED, reason):
        return True
    fax.refresh_from_db(fields=["status", "transport"])
    return carrier_events.cancel_at_carrier(fax)
