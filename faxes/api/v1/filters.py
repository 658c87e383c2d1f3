"""Query parameters of the fax lists: dates, status, number search, ``downloaded``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time

from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from faxes.api.v1.base import BadRequest
from faxes.api.v1.statuses import FILTERS

MAX_SEARCH = 32


def parse_moment(name: str, raw: str) -> datetime:
    """ISO 8601 date or date-time; a date means its midnight and a time without an
    offset means UTC (as JavaScript's ``Date`` reads the reference's examples)."""
    text = raw.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        moment = None
    try:
        # In UTC, as the database compares it: an offset that crosses year 1 or 9999
        # cannot be converted, and must be this 400 rather than a database error.
        if moment is not None:
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None:
        raise BadRequest(f"{name} must be an ISO 8601 date or date-time, e.g. 2026-02-10.")
    return moment


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false.")


def by_dates(faxes: QuerySet, params: Mapping[str, str]) -> QuerySet:
    if params.get("date_from"):
        faxes = faxes.filter(created_at__gte=parse_moment("date_from", params["date_from"]))
    if params.get("date_to"):
        faxes = faxes.filter(created_at__lte=parse_moment("date_to", params["date_to"]))
    return faxes


def by_status(faxes: QuerySet, params: Mapping[str, str]) -> QuerySet:
    raw = (params.get("status") or "").strip().lower()
    if not raw:
        return faxes
    states = FILTERS.get(raw)
    if states is None:
        raise BadRequest(f"status must be one of: {', '.join(FILTERS)}.")
    return faxes.filter(status__in=sorted(states))


def by_number(faxes: QuerySet, params: Mapping[str, str], name: str, field: str) -> QuerySet:
    """Partial match on a number (``from=877`` finds ``+18772333839``)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return faxes
    if len(raw) > MAX_SEARCH or not raw.isprintable():
        raise BadRequest(f"{name} must be at most {MAX_SEARCH} printable characters.")
    return faxes.filter(**{f"{field}__contains": raw})
