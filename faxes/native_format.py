"""The portal's native wire vocabulary, shared by ``/api/v1`` and the webhook events
(both speak the Pharmique contract): value formats and the status names.

Statuses: the contract knows ``queued``, ``sending``, ``delivered``, ``failed``
and ``received``. The portal has more states; each is shown as the v1 status
an existing client already understands, and the exact lifecycle state goes
out beside it as ``status_detail``:

- ``converting`` (rendering the document) and ``retrying`` (waiting for the
  next attempt) are shown as ``queued``: the fax is not on the line and can
  still be cancelled, which is what ``queued`` means to a client.
- ``scheduled`` and ``cancelled`` only exist for clients that use the
  scheduling and cancelling extensions, so they keep their own names.
- ``receiving`` (a carrier still delivering an inbound fax) keeps its name.
"""

from __future__ import annotations

from datetime import UTC, datetime

from faxes.models import FaxStatus


def iso(moment: datetime | None) -> str | None:
    """``2026-02-10T08:13:48.308Z``: UTC, milliseconds, a ``Z`` (as in the reference)."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def pages(count: int | None) -> str | None:
    """Page counts are strings in the contract (``"pages": "1"``); None while unknown."""
    return None if count is None else str(count)


def or_none(value: str) -> str | None:
    return value or None


S = FaxStatus

V1_STATUS: dict[str, str] = {
    S.SCHEDULED: "scheduled",
    S.QUEUED: "queued",
    S.CONVERTING: "queued",
    S.RETRYING: "queued",
    S.SENDING: "sending",
    S.DELIVERED: "delivered",
    S.FAILED: "failed",
    S.CANCELLED: "cancelled",
    S.RECEIVING: "receiving",
    S.RECEIVED: "received",
}

# A ``status`` filter value → the lifecycle states it matches. A v1 name
# matches every state shown under it; a lifecycle name matches only itself.
FILTERS: dict[str, frozenset[str]] = {
    "scheduled": frozenset({S.SCHEDULED}),
    "queued": frozenset({S.QUEUED, S.CONVERTING, S.RETRYING}),
    "converting": frozenset({S.CONVERTING}),
    "retrying": frozenset({S.RETRYING}),
    "sending": frozenset({S.SENDING}),
    "delivered": frozenset({S.DELIVERED}),
    "failed": frozenset({S.FAILED}),
    "cancelled": frozenset({S.CANCELLED}),
    "receiving": frozenset({S.RECEIVING}),
    "received": frozenset({S.RECEIVED}),
}

FILTER_NAMES = sorted(FILTERS)


def v1_status(status: str) -> str:
    return V1_STATUS.get(status, status)
