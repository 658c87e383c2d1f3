"""Value formats of the native API, as the Pharmique contract writes them."""

from __future__ import annotations

from datetime import UTC, datetime


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
