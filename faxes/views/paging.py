"""Keyset (seek) pagination on (created_at, id), newest first.

A page is found by seeking from the last row seen, never by OFFSET, and no
COUNT(*) is run, so the thousandth page of a million-fax account costs the
same as the first: one indexed range scan of ``size + 1`` rows (see the index
``(account, direction, -created_at, -id)`` on Fax).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.utils.translation import gettext

from faxes.cursor import Cursor, newer_than, older_than

# The shared position type (faxes.cursor); the names the list views and their tests use.
_older_than, _newer_than = older_than, newer_than


def _decode(text: str, id_type: type) -> Cursor:
    cursor = Cursor.parse(text, id_type)
    if cursor is None:
        raise BadRequest(gettext("Invalid page cursor."))
    return cursor


@dataclass(frozen=True)
class Page:
    rows: list
    older: str | None  # cursor of the next (older) page
    newer: str | None  # cursor of the previous (newer) page

    @property
    def is_first(self) -> bool:
        return self.newer is None


def seek(
    queryset: QuerySet,
    *,
    after: str = "",
    before: str = "",
    size: int = 50,
    id_type: type = str,
) -> Page:
    """One page of ``queryset`` (newest first): the rows older than ``after`` or, for
    going back, the rows just newer than ``before``; the first page without either."""
    if before:
        cursor = _decode(before, id_type)
        rows = list(_newer_than(queryset, cursor).order_by("created_at", "pk")[: size + 1])
        if not rows:  # nothing newer any more: that is the first page
            return seek(queryset, size=size, id_type=id_type)
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows=rows,
            older=Cursor.of(rows[-1]).encode(),  # at least the row the cursor named
            newer=Cursor.of(rows[0]).encode() if more_newer else None,
        )
    if after:
        queryset = _older_than(queryset, _decode(after, id_type))
    rows = list(queryset.order_by("-created_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        older=Cursor.of(rows[-1]).encode() if more_older else None,
        newer=Cursor.of(rows[0]).encode() if after and rows else None,
    )
