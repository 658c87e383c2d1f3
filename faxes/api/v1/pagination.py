"""Paging of list endpoints: the contract's ``page``/``limit``, and an opaque cursor.

``page``/``limit`` answer ``{"page", "limit", "total", "total_pages"}`` as the
reference does (plus ``next_cursor``). Deep pages by offset get slower and
shift when new faxes arrive; ``cursor`` (the previous answer's
``next_cursor``) continues exactly after the last fax seen, at constant cost,
and skips the count: its pagination object is ``{"limit", "cursor",
"next_cursor"}``. Lists are ordered newest first (``created_at``, then id).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from faxes.api.v1.base import BadRequest
from faxes.cursor import Cursor, older_than

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# From this offset on, a page is found by id first and its rows fetched after
# (a "deferred join"): skipping thousands of narrow ids is far cheaper than
# skipping (and sorting) thousands of whole rows.
DEFERRED_JOIN_OFFSET = 500
# Far beyond any real list, and small enough that page * limit stays a valid SQL
# OFFSET (a bigint): larger numbers were a database error, so a 500.
MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class PageRequest:
    limit: int
    page: int = 1
    cursor: str | None = None  # as received
    after: tuple[datetime, str] | None = None  # decoded cursor position


def _positive_int(
    params: Mapping[str, str], name: str, default: int, maximum: int | None = None
) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a positive integer.") from None
    if value < 1:
        raise BadRequest(f"{name} must be a positive integer.")
    if maximum is not None and value > maximum:
        raise BadRequest(f"{name} must be at most {maximum}.")
    return value


def decode_cursor(text: str) -> tuple[datetime, str]:
    cursor = Cursor.parse(text)
    if cursor is None:
        raise BadRequest("cursor is not valid; use a next_cursor from an earlier answer.")
    return cursor.created_at, cursor.id


def parse(params: Mapping[str, str]) -> PageRequest:
    # Larger limits are cut to the maximum rather than refused, as the contract's "max 100".
    limit = min(_positive_int(params, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    cursor = params.get("cursor") or None
    if cursor is not None:
        return PageRequest(limit=limit, cursor=cursor, after=decode_cursor(cursor))
    return PageRequest(limit=limit, page=_positive_int(params, "page", 1, MAX_PAGE))


def paginate(queryset: QuerySet, request: PageRequest) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``queryset`` (newest first) and its pagination object."""
    ordered = queryset.order_by("-created_at", "-pk")
    if request.after is not None:
        moment, pk = request.after
        ordered = older_than(ordered, Cursor(moment, pk))
        rows = list(ordered[: request.limit + 1])
        items = rows[: request.limit]
        return items, {
            "limit": request.limit,
            "cursor": request.cursor,
            "next_cursor": _next(items, rows, request.limit),
        }
    offset = (request.page - 1) * request.limit
    # One row more than the page tells whether a next page exists without a second count.
    if offset >= DEFERRED_JOIN_OFFSET:
        ids = list(ordered.values_list("pk", flat=True)[offset : offset + request.limit + 1])
        found = {row.pk: row for row in queryset.filter(pk__in=ids)}
        rows = [found[pk] for pk in ids if pk in found]
    else:
        rows = list(ordered[offset : offset + request.limit + 1])
    items = rows[: request.limit]
    total = queryset.count() if (request.page > 1 or len(rows) > request.limit) else len(items)
    return items, {
        "page": request.page,
        "limit": request.limit,
        "total": total,
        "total_pages": math.ceil(total / request.limit) if total else 0,
        "next_cursor": _next(items, rows, request.limit),
    }


def _next(items: list[Any], rows: list[Any], limit: int) -> str | None:
    if len(rows) <= limit or not items:
        return None
    last = items[-1]
    return Cursor.of(last).encode()
