"""Query parameters of the fax lists: dates, status, number search, ``downloaded``.

Plain functions, not django-filter: every parameter has its own reading (a date-time covers
its last figure, ``received_at`` falls back to the creation time, the status vocabulary of
``faxes.native_format``) and its own 400 message in the v1 error shape, and the OpenAPI
schema describes them by hand (``openapi.DATES`` and the list operations) more precisely
than a FilterSet's generated parameters would. A FilterSet would wrap these same functions
in a form whose errors then have to be turned back into that shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from faxes.api.v1.base import BadRequest
from faxes.native_format import FILTERS

MAX_SEARCH = 32
# The digits of a time's last unit: "…T08:13", "…T08:13:48", "…T08:13:48.308".
_PRECISION = re.compile(r"T\d{2}:\d{2}(?P<seconds>:\d{2}(?P<fraction>[.,]\d+)?)?")


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
    """Only the booleans ``true`` and ``false``, as the schema says (1/0 or "yes" are 400)."""
    value = raw.strip()
    if value == "true":
        return True
    if value == "false":
        return False
    raise BadRequest(f"{name} must be true or false.")


def _last_unit(raw: str) -> timedelta:
    """How much time the last figure of a date-time covers: ``date_to`` copied from an
    answer (``08:13:48.308Z``, shown to the millisecond) must include the fax it names,
    whose stored time has microseconds. A bare date stays its midnight."""
    match = _PRECISION.search(raw)
    if match is None:
        return timedelta(0)
    if match["fraction"]:
        return timedelta(seconds=10 ** -min(len(match["fraction"]) - 1, 6))
    return timedelta(seconds=1) if match["seconds"] else timedelta(minutes=1)


def by_dates(faxes: QuerySet, params: Mapping[str, str], field: str = "created_at") -> QuerySet:
    """``date_from``/``date_to`` on ``field``, the time the list shows. ``received_at`` is
    the time a received fax completed, or its creation while it has not."""
    names = ("completed_at", "created_at") if field == "received_at" else (field,)
    if params.get("date_from"):
        moment = parse_moment("date_from", params["date_from"])
        faxes = faxes.filter(_at_least(names, moment))
    if params.get("date_to"):
        raw = params["date_to"]
        moment = parse_moment("date_to", raw)
        try:
            end = moment + _last_unit(raw.strip())
        except OverflowError:  # the last instant of year 9999
            end = datetime.max.replace(tzinfo=UTC)
        faxes = faxes.filter(_before(names, end, inclusive=end == moment))
    return faxes


def _at_least(names: tuple[str, ...], moment: datetime) -> Q:
    if len(names) == 1:
        return Q(**{f"{names[0]}__gte": moment})
    first, fallback = names
    return Q(**{f"{first}__gte": moment}) | Q(
        **{f"{first}__isnull": True, f"{fallback}__gte": moment}
    )


def _before(names: tuple[str, ...], end: datetime, inclusive: bool) -> Q:
    lookup = "lte" if inclusive else "lt"
    if len(names) == 1:
        return Q(**{f"{names[0]}__{lookup}": end})
    first, fallback = names
    return Q(**{f"{first}__{lookup}": end}) | Q(
        **{f"{first}__isnull": True, f"{fallback}__{lookup}": end}
    )


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
