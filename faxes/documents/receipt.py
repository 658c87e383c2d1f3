"""The transmission receipt: a one-page PDF confirming how an outbound fax ended.

It takes a plain :class:`ReceiptData` (no model), so the sending engine can fill it from
whatever it has when a fax finishes.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageDraw, ImageOps

from .fonts import clean, fit, font, text_width
from .header import local_time
from .pdfium_util import PdfSource
from .previews import first_page_image
from .wording import ENGLISH, Wording

logger = logging.getLogger(__name__)

_DPI = 150
_WIDTH, _HEIGHT = round(8.5 * _DPI), round(11 * _DPI)  # Letter; prints on A4 with margins
_MARGIN = 100
_LABEL_WIDTH = 330
_THUMB_WIDTH = 480


@dataclass(frozen=True)
class ReceiptData:
    fax_id: str
    status: str  # e.g. "delivered", "failed"
    from_number: str
    to_number: str
    faxbox_name: str = ""
    from_name: str = ""
    to_name: str = ""
    pages_sent: int = 0
    pages_total: int | None = None
    t30_result: str = ""  # e.g. "0: OK" or "49: No answer from remote fax"
    attempts: int = 1
    started_at: datetime | None = None
    ended_at: datetime | None = None
    remote_station_id: str = ""  # the receiver's TSI/CSI
    timezone: str = "UTC"  # the faxbox's timezone, for the times shown
    document: PdfSource | None = None  # the sent PDF (or fax TIFF bytes); page 1 is shown
    receipt_id: str = ""  # the stored receipt's own id
    document_sha256: str = ""  # hex SHA-256 of exactly the fax TIFF transmitted
    generated_at: datetime | None = None  # when the receipt was made (default: now)
    wording: Wording = ENGLISH  # the language of the receipt: the sender's


def _when(value: datetime | None, timezone: str, wording: Wording = ENGLISH) -> str:
    if value is None:
        return "—"
    local = local_time(value, timezone)
    # Translators: a strftime format, the times on the receipt.
    written = local.strftime(wording.gettext("%Y-%m-%d %H:%M:%S"))
    return f"{written} {local.tzname() or ''}".strip()


def _duration(start: datetime | None, end: datetime | None, wording: Wording = ENGLISH) -> str:
    if start is None or end is None:
        return ""
    seconds = max(0, round((end - start).total_seconds()))
    length = wording.gettext("%(minutes)s min %(seconds)s s") % {
        "minutes": seconds // 60,
        "seconds": seconds % 60,
    }
    return f" ({length})"


def _party(name: str, number: str) -> str:
    return f"{name} ({number})" if name and number else name or number or "—"


def receipt_rows(data: ReceiptData) -> list[tuple[str, str]]:
    gettext, zone = data.wording.gettext, data.timezone
    pages = str(data.pages_sent)
    if data.pages_total is not None:
        pages = gettext("%(sent)s of %(total)s") % {
            "sent": data.pages_sent,
            "total": data.pages_total,
        }
    ended = _when(data.ended_at, zone, data.wording)
    return [
        (gettext("Fax ID"), data.fax_id),
        (gettext("Status"), _status(data).upper()),
        (gettext("From"), _party(data.from_name, data.from_number)),
        (gettext("To"), _party(data.to_name, data.to_number)),
        (gettext("Faxbox"), data.faxbox_name or "—"),
        (gettext("Pages sent"), pages),
        (gettext("T.30 result"), data.t30_result or "—"),
        (gettext("Attempts"), str(data.attempts)),
        (gettext("Started"), _when(data.started_at, zone, data.wording)),
        (gettext("Ended"), ended + _duration(data.started_at, data.ended_at, data.wording)),
        (gettext("Remote station ID"), data.remote_station_id or "—"),
        *_digest_rows(data),
    ]


def _status(data: ReceiptData) -> str:
    gettext = data.wording.gettext
    words = {
        "delivered": gettext("delivered"),
        "failed": gettext("failed"),
        "cancelled": gettext("cancelled"),
    }
    return words.get(data.status, data.status)


def _digest_rows(data: ReceiptData) -> list[tuple[str, str]]:
    gettext = data.wording.gettext
    rows = [(gettext("Receipt ID"), data.receipt_id)] if data.receipt_id else []
    if data.document_sha256:
        # 64 hex digits do not fit one value column: two lines of 32.
        digest = data.document_sha256
        rows += [(gettext("Document SHA-256"), digest[:32]), ("", digest[32:])]
    return rows


def render_receipt_image(data: ReceiptData) -> Image.Image:
    image = Image.new("L", (_WIDTH, _HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    title, label, value, small = font(46, bold=True), font(26, bold=True), font(26), font(20)
    y = _MARGIN
    gettext = data.wording.gettext
    draw.text((_MARGIN, y), gettext("Fax transmission report"), fill=0, font=title)
    y += 80
    draw.rectangle((_MARGIN, y, _WIDTH - _MARGIN, y + 5), fill=0)
    y += 35
    value_x = _MARGIN + _LABEL_WIDTH
    room = _WIDTH - _MARGIN - value_x
    for name, text in receipt_rows(data):
        draw.text((_MARGIN, y), name, fill=0, font=label)
        draw.text(
            (value_x, y), fit(clean(text).replace("\n", " "), value, room), fill=0, font=value
        )
        y += 44
    y += 30

    if data.document is not None:
        try:
            page = first_page_image(data.document, _THUMB_WIDTH)
        except Exception:
            # A receipt without the picture beats no receipt; the fax itself is already done.
            logger.warning(
                "receipt for fax %s: page 1 could not be rendered", data.fax_id, exc_info=True
            )
        else:
            room_y = _HEIGHT - _MARGIN - 60 - y
            if page.height > room_y:
                page = page.resize(
                    (max(1, round(page.width * room_y / page.height)), room_y),
                    Image.Resampling.LANCZOS,
                )
            draw.text((_MARGIN, y), gettext("Page 1 (reduced)"), fill=0, font=label)
            y += 40
            framed = ImageOps.expand(page, border=2, fill=0)
            image.paste(framed, (_MARGIN, y))

    made = data.generated_at or datetime.now(UTC)
    footer = gettext("Generated %(when)s by the fax portal.") % {
        "when": _when(made, data.timezone, data.wording)
    }
    draw.text(
        (_WIDTH - _MARGIN - text_width(footer, small), _HEIGHT - _MARGIN + 20),
        footer,
        fill=0,
        font=small,
    )
    return image


def render_receipt_pdf(data: ReceiptData) -> bytes:
    """A one-page Letter PDF receipt; key facts are also in the PDF metadata."""
    out = io.BytesIO()
    render_receipt_image(data).save(
        out,
        "PDF",
        resolution=_DPI,
        quality=92,
        title=data.wording.gettext("Fax receipt %(id)s") % {"id": data.fax_id},
        subject=f"{data.status}: {data.pages_sent} page(s) to {data.to_number}",
        keywords=f"fax_id={data.fax_id}; status={data.status}; t30={data.t30_result}"
        + (f"; sha256={data.document_sha256}" if data.document_sha256 else ""),
        producer="faxportal",
    )
    return out.getvalue()
