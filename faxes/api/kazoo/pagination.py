"""Crossbar list conventions: keyset pages (``CrossbarPagination``), order, creation
ranges and filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from faxes.api.kazoo import errors
from faxes.api.kazoo.envelope import success_body
from faxes.api.kazoo.public import GREGORIAN_OFFSET, from_gregorian
from faxes.cursor import Cursor, starting_at

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 10_000  # larger pages: use paginate=false
MAX_RANGE_SECONDS = 2682000  # 31 days + 1 hour, crossbar.maximum_range
_MISSING = object()


def page_size_of(request: HttpRequest) -> int:
    """Crossbar's ``cb_context:pagination_page_size``: a missing, unreadable or
    non-positive ``page_size`` is the default; a huge one is capped."""
    try:
        size = int(request.GET.get("page_size", ""))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE) if size > 0 else DEFAULT_PAGE_SIZE


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.KazooError(
            400, "validation error",
            {name: {"type": {"message": f"{name} must be an integer", "target": "integer"}}},
        ) from None  # fmt: skip


def apply_range(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """created_from/created_to in Gregorian seconds; default: the last 31 days + 1 hour."""
    now = int(timezone.now().timestamp()) + GREGORIAN_OFFSET
    sent_to = _int_param(request, "created_to")
    created_to = now if sent_to is None else sent_to
    sent_from = _int_param(request, "created_from")
    created_from = created_to - MAX_RANGE_SECONDS if sent_from is None else sent_from
    if created_to < created_from or created_to - created_from > MAX_RANGE_SECONDS:
        raise errors.KazooError(
            400, "validation error",
            {"created_from": {"date_range": {
                "message": f"created_from is prior to {MAX_RANGE_SECONDS} seconds from created_to",
                "cause": created_from,
            }}},
        )  # fmt: skip
    try:
        start, end = from_gregorian(created_from), from_gregorian(created_to + 1)
    except (OverflowError, OSError, ValueError):
        raise errors.KazooError(
            400, "validation error",
            {"created_to": {"date_range": {"message": "not a representable time",
                                           "cause": created_to}}},
        ) from None  # fmt: skip
    # Whole seconds, both ends included: created_to T covers T.000 … T.999.
    return queryset.filter(created_at__gte=start, created_at__lt=end)


def _lookup(doc: dict[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _matches(value: Any, wanted: str) -> bool:
    if value is _MISSING:
        return False
    if isinstance(value, bool):
        return wanted.lower() == str(value).lower()
    return str(value) == wanted


def _equals(doc: dict[str, Any], *, key: str, wanted: str) -> bool:
    return _matches(_lookup(doc, key), wanted)


def _differs(doc: dict[str, Any], *, key: str, wanted: str) -> bool:
    return not _matches(_lookup(doc, key), wanted)


def _has_key(doc: dict[str, Any], *, key: str) -> bool:
    return _lookup(doc, key) is not _MISSING


def _key_missing(doc: dict[str, Any], *, key: str) -> bool:
    return _lookup(doc, key) is _MISSING


def _has_value(doc: dict[str, Any], *, key: str) -> bool:
    return _lookup(doc, key) not in (_MISSING, None, "", [], {})


def _missing_value(doc: dict[str, Any], *, key: str) -> bool:
    return _lookup(doc, key) in (_MISSING, None, "", [], {})


def doc_filter(request: HttpRequest, db_fields: dict[str, str]) -> tuple[Q, Callable[[dict], bool]]:
    """Split filter_*/has_key/… into a database condition and a check on rendered docs."""
    condition = Q()
    checks: list[Callable[[dict], bool]] = []
    params = cast("Iterable[tuple[str, str]]", request.GET.items())  # each name's last value
    for name, value in params:
        if name.startswith("filter_not_"):
            key = name[len("filter_not_") :]
            if key in db_fields:
                condition &= ~Q(**{db_fields[key]: value})
            else:
                checks.append(partial(_differs, key=key, wanted=value))
        elif name.startswith("filter_"):
            key = name[len("filter_") :]
            if key in db_fields:
                condition &= Q(**{db_fields[key]: value})
            else:
                checks.append(partial(_equals, key=key, wanted=value))
        elif name == "has_key":
            checks.append(partial(_has_key, key=value))
        elif name == "key_missing":
            checks.append(partial(_key_missing, key=value))
        elif name == "has_value":
            checks.append(partial(_has_value, key=value))
        elif name == "missing_value":
            checks.append(partial(_missing_value, key=value))

    def keep(doc: dict[str, Any]) -> bool:
        return all(check(doc) for check in checks)

    return condition, keep


Render = Callable[[Any], dict[str, Any]]


class CrossbarPagination(BasePagination):
    """Keyset pages as Crossbar answers them: ``page_size``, ``start_key`` and
    ``next_start_key`` beside ``data`` in the envelope (``faxes.cursor`` positions,
    Kazoo's spelling). Rows are rendered to documents before they are counted, since
    ``filter_*`` on keys the database does not hold test the documents."""

    # Answers the rendered documents, not the queryset's rows (filters test documents).
    def paginate_queryset(  # type: ignore[override]
        self,
        queryset: Any,
        request: Any,
        view: Any = None,
        *,
        render: Render | None = None,
        db_fields: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        assert render is not None
        self.request = request
        self.rows, self.meta = paginate(request, queryset, render, db_fields=db_fields or {})
        return self.rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(success_body(self.request, data, page=self.meta))


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    render: Render,
    *,
    db_fields: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Render one page of ``queryset`` (newest first unless ascending); returns
    the rows and the envelope's paging keys (None when paginate=false)."""
    condition, keep = doc_filter(request, db_fields)
    queryset = queryset.filter(condition)
    ascending = request.GET.get("ascending") == "true" or request.GET.get("descending") == "false"
    order = ("created_at", "id") if ascending else ("-created_at", "-id")
    queryset = queryset.order_by(*order)
    if request.GET.get("paginate") == "false":
        return [doc for doc in map(render, queryset) if keep(doc)], None

    page_size = page_size_of(request)
    start_key = request.GET.get("start_key")
    # Like Crossbar's ``api_util:decode_start_key``, an unreadable key is no error, it just
    # marks no position here (Kazoo queries with it as sent; here the list starts at the top).
    position = Cursor.parse(start_key) if start_key else None
    if position is not None:
        queryset = starting_at(queryset, position, ascending=ascending)
    rows: list[dict[str, Any]] = []
    next_key = None
    for obj in _chunks(queryset, page_size + 1):
        doc = render(obj)
        if not keep(doc):
            continue
        if len(rows) == page_size:
            next_key = Cursor.of(obj).start_key()
            break
        rows.append(doc)
        if len(rows) == 1:
            first_key = Cursor.of(obj).start_key()
    meta: dict[str, Any] = {"page_size": len(rows)}
    if rows:
        meta["start_key"] = start_key or first_key
    if next_key:
        meta["next_start_key"] = next_key
    return rows, meta


def _chunks(queryset: QuerySet, size: int) -> Iterator[Any]:
    """Rows in order, fetched ``size`` at a time (one query when no doc filter drops rows)."""
    offset = 0
    while True:
        batch = list(queryset[offset : offset + size])
        yield from batch
        if len(batch) < size:
            return
        offset += size
