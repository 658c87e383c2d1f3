"""The one position type of keyset (seek) paging: the browser lists, /api/v1's ``cursor`` and
Kazoo's ``start_key`` all name a row by ``(created_at, id)`` and page from it.

A position travels as an opaque URL-safe string in one of two spellings, both read by
``Cursor.parse`` wherever a position is accepted:

- ``encode()``: base64url of ``"<iso created_at>|<id>"``: the UI's ``after``/``before`` and
  /api/v1's ``next_cursor``;
- ``start_key()``: base64url of the JSON ``["<iso created_at>", "<id>"]``: Kazoo's
  ``start_key``/``next_start_key``.

Each surface keeps handing out the spelling it always has (its clients pass it back as-is),
so every string handed out before this module still names the same row. ``parse`` answers
None for anything else; each surface decides what that means (the UI and v1 a 400, Kazoo no
position, as Crossbar's ``api_util:decode_start_key``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from faxportal import jsonbody


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _moment(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = parse_datetime(text)  # raises ValueError for an impossible date
    if moment is None or moment.tzinfo is None:
        return None
    # In UTC, as the database compares it (year 1 at +05:00 has no UTC time: OverflowError).
    return moment.astimezone(UTC)


class Dated(Protocol):
    """A row a cursor can name: a model with ``created_at``."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def pk(self) -> Any: ...


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: Any

    @classmethod
    def of(cls, row: Dated) -> Cursor:
        return cls(row.created_at, row.pk)

    def encode(self) -> str:
        """The UI's and /api/v1's spelling."""
        return _b64(f"{self.created_at.isoformat()}|{self.id}".encode())

    def start_key(self) -> str:
        """Kazoo's spelling (``start_key``, ``next_start_key``)."""
        return _b64(json.dumps([self.created_at.isoformat(), self.id]).encode())

    @classmethod
    def parse(cls, text: str, id_type: type = str) -> Cursor | None:
        """The position a string of either spelling names, or None."""
        try:
            raw = _unb64(text)
            try:
                # A nested document is refused by depth (jsonbody.TooDeep is a ValueError).
                stamp, key = jsonbody.loads(raw)
            except ValueError:
                stamp, _, key = raw.decode().partition("|")
            moment = _moment(stamp)
            if moment is None or key in ("", None):
                return None
            return cls(moment, id_type(key))
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeError):
            return None


def older_than(queryset: QuerySet, cursor: Cursor) -> QuerySet:
    """Rows after the cursor in newest-first order. ``created_at <= c`` on its own lets the
    database walk the list index from the cursor on; the OR only breaks ties inside it."""
    return queryset.filter(created_at__lte=cursor.created_at).filter(
        Q(created_at__lt=cursor.created_at) | Q(pk__lt=cursor.id)
    )


def newer_than(queryset: QuerySet, cursor: Cursor) -> QuerySet:
    """Rows before the cursor in newest-first order (going back a page)."""
    return queryset.filter(created_at__gte=cursor.created_at).filter(
        Q(created_at__gt=cursor.created_at) | Q(pk__gt=cursor.id)
    )


def starting_at(queryset: QuerySet, cursor: Cursor, *, ascending: bool) -> QuerySet:
    """The cursor's row and those after it in the given order (Kazoo: a ``start_key`` is
    the first row of the page it starts)."""
    if ascending:
        return queryset.filter(
            Q(created_at__gt=cursor.created_at) | Q(created_at=cursor.created_at, id__gte=cursor.id)
        )
    return queryset.filter(
        Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lte=cursor.id)
    )
