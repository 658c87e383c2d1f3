"""The webhook event catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from faxes.models import FaxStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FAX_RECEIVED = "fax.received"
FAX_DELIVERED = "fax.delivered"
FAX_FAILED = "fax.failed"
FAX_STATUS_CHANGED = "fax.status_changed"

ALL_EVENTS: dict[str, StrOrPromise] = {
    FAX_RECEIVED: _("An inbound fax was filed in one of the account's faxboxes."),
    FAX_DELIVERED: _("An outbound fax reached its recipient."),
    FAX_FAILED: _("An outbound fax failed for good (no retries left, or a permanent error)."),
    FAX_STATUS_CHANGED: _("Any status change of any fax (including the three above)."),
}
# What an endpoint registered without an ``events`` list hears.
DEFAULT_EVENTS = [FAX_RECEIVED, FAX_DELIVERED, FAX_FAILED]

_FINAL_EVENTS: dict[str, str] = {
    FaxStatus.RECEIVED: FAX_RECEIVED,
    FaxStatus.DELIVERED: FAX_DELIVERED,
    FaxStatus.FAILED: FAX_FAILED,
}


def events_for(to_status: str) -> list[str]:
    """Events raised by a fax entering ``to_status``: its own event (if any) first."""
    specific = _FINAL_EVENTS.get(to_status)
    return [specific, FAX_STATUS_CHANGED] if specific else [FAX_STATUS_CHANGED]
