"""The header line a fax machine prints at the top of every page it sends:
date and time (in the faxbox's timezone), the faxbox header text, the sender number, page n/N.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PIL import Image, ImageDraw

from .faxspec import FAX_WIDTH
from .fonts import clean, fit, font, text_width

logger = logging.getLogger(__name__)

# The band is drawn at fine resolution (196 lpi) and halved with the page for standard.
# 40 rows = 0.2 in; the text is about 9 pt, the usual size of a fax header.
BAND_ROWS_FINE = 40
_FONT_PX = 26
_MARGIN_PX = 24


@dataclass(frozen=True)
class FaxHeader:
    text: str = ""  # the faxbox's header text (usually the organisation's name)
    sender_number: str = ""  # the number the fax is sent from (caller id)
    timezone: str = "UTC"  # the faxbox's timezone (IANA name)
    sent_at: datetime | None = None  # defaults to "now" when the header is drawn


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        # A bad timezone in a faxbox must not stop the fax; the header then says UTC.
        logger.warning("unknown timezone %r, using UTC in the fax header", name)
        return UTC


def local_time(when: datetime | None, timezone: str) -> datetime:
    when = when or datetime.now(UTC)
    if when.tzinfo is None:  # naive datetimes in this project are UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone(timezone))


def header_parts(header: FaxHeader, page: int, total: int) -> tuple[str, str]:
    """(left, right) text of the header line for page ``page`` of ``total``."""
    when = local_time(header.sent_at, header.timezone)
    left = "  ".join(
        part
        for part in (
            f"{when:%Y-%m-%d %H:%M} {when.tzname() or ''}".strip(),
            clean(header.text).replace("\n", " ").strip(),
            clean(header.sender_number).replace("\n", " ").strip(),
        )
        if part
    )
    return left, f"Page {page}/{total}"


def draw_header_band(
    header: FaxHeader, page: int, total: int, width: int = FAX_WIDTH
) -> Image.Image:
    """A greyscale band (``width`` x ``BAND_ROWS_FINE``) with the header line."""
    band = Image.new("L", (width, BAND_ROWS_FINE), 255)
    draw = ImageDraw.Draw(band)
    face = font(_FONT_PX)
    left, right = header_parts(header, page, total)
    right_width = text_width(right, face)
    room = width - 2 * _MARGIN_PX - right_width - 40
    y = (BAND_ROWS_FINE - _FONT_PX) // 2 - 2
    draw.text((_MARGIN_PX, y), fit(left, face, room), fill=0, font=face)
    draw.text((width - _MARGIN_PX - right_width, y), right, fill=0, font=face)
    return band
