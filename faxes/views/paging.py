"""Keyset (seek) pagination on (created_at, id), newest first.

A page is found by seeking from the last row seen, never by OFFSET, and no
COUNT(*) is run, so the thousandth page of a million-fax account costs the
same as the first: one indexed range scan of ``size + 1`` rows (see the index
``(account, direction, -created_at, -id)`` on Fax).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import BadRequest
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: Any

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def of(cls, row: Model) -> Cursor:
        return cls(row.created_at, row.pk)

    @classmethod
    def decode(cls, text: str, id_type: type = str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, _, key = raw.partition("|")
            created_at = datetime.fromisoformat(stamp)
            if created_at.tzinfo is None or not key:
                raise ValueError
            # In UTC, as the database compares (a forged moment may not exist there).
            return cls(created_at.astimezone(UTC), id_type(key))
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise BadRequest(gettext("Invalid page cursor.")) from None


@dataclass(frozen=True)
class Page:
    rows: list
    older: str | None  # cursor of the next (older) page
    newer: str | None  # cursor of the previous (newer) page

    @property
    def is_first(self) -> bool:
        return self.newer is None


def _older_than(queryset: QuerySet, cursor: Cursor) -> QuerySet:
    # "created_at <= c" bounds the index range; the OR only breaks ties inside it.
    return queryset.filter(created_at__lte=cursor.created_at).filter(
        Q(created_at__lt=cursor.created_at) | Q(pk__lt=cursor.id)
    )


def _newer_than(queryset: QuerySet, cursor: Cursor) -> QuerySet:
    return queryset.filter(created_at__gte=cursor.created_at).filter(
        Q(created_at__gt=cursor.created_at) | Q(pk__gt=cursor.id)
    )


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
        cursor = Cursor.decode(before, id_type)
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
        queryset = _older_than(queryset, Cursor.decode(after, id_type))
    rows = list(queryset.order_by("-created_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        older=Cursor.of(rows[-1]).encode() if more_older else None,
        newer=Cursor.of(rows[0]).encode() if after and rows else None,
    )
