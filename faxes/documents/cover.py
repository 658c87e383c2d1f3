"""The cover page: who it is for, who it is from, subject, message, page count and date.

It is drawn directly at fax resolution (1728 dots across at 204 dpi, 196 lines per inch) in
black and white, so rendering it for the fax maps every dot 1:1 and nothing is lost to
scaling or dithering; the text sizes (12-13 pt body) stay readable at standard resolution.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw

from .faxspec import X_DPI, PaperSize, Resolution
from .fonts import Font, clean, fit, font, text_width, wrap
from .header import BAND_ROWS_FINE, local_time
from .wording import ENGLISH, Wording

_LPI = Resolution.FINE.lines_per_inch
_MARGIN_X = 110
_TOP = 110
_BOTTOM_MARGIN = 120
_LABEL_WIDTH = 360


@dataclass(frozen=True)
class CoverPage:
    recipient_name: str = ""
    recipient_number: str = ""
    sender_name: str = ""  # the faxbox's caller name
    sender_number: str = ""  # the faxbox's caller number
    subject: str = ""
    message: str = ""
    sent_at: datetime | None = None  # defaults to now
    timezone: str = "UTC"  # the faxbox's timezone
    wording: Wording = ENGLISH  # the language of the page: the sender's


def cover_size(paper: PaperSize) -> tuple[int, int]:
    """(width, height) of the cover in fine dots: the paper's scan line, and its length less
    the header line the fax adds on top, so the page is exactly the paper."""
    return paper.width_dots, paper.rows() - BAND_ROWS_FINE


class _Canvas:
    def __init__(self, paper: PaperSize) -> None:
        self.width, self.height = cover_size(paper)
        self.image = Image.new("1", (self.width, self.height), 1)
        self.draw = ImageDraw.Draw(self.image)
        self.y = _TOP
        self.bottom = self.height - _BOTTOM_MARGIN

    def text(self, x: float, text: str, face: Font) -> None:
        self.draw.text((x, self.y), text, fill=0, font=face)

    def rule(self, thickness: int, gap: int = 28) -> None:
        self.y += gap
        self.draw.rectangle(
            (_MARGIN_X, self.y, self.width - _MARGIN_X, self.y + thickness - 1), fill=0
        )
        self.y += thickness + gap


def _line_height(face: Font) -> int:
    return round(getattr(face, "size", 30) * 1.3)


def render_cover_image(
    cover: CoverPage, *, page_count: int, paper: PaperSize = PaperSize.LETTER
) -> Image.Image:
    """The cover page as a 1-bit image at 204 dpi x 196 lpi, :func:`cover_size` (1728 x
    2116 on Letter)."""
    canvas = _Canvas(PaperSize(paper))
    page_width = canvas.width
    title, label, value, small = font(120, bold=True), font(38, bold=True), font(38), font(28)
    when = local_time(cover.sent_at, cover.timezone)
    gettext, ngettext = cover.wording.gettext, cover.wording.ngettext

    canvas.text(_MARGIN_X, gettext("FAX"), title)
    # Translators: a strftime format, the date and time on the cover page.
    written = when.strftime(gettext("%Y-%m-%d %H:%M"))
    stamp = f"{written} {when.tzname() or ''}".strip()
    canvas.draw.text(
        (page_width - _MARGIN_X - text_width(stamp, value), canvas.y + 70),
        stamp,
        fill=0,
        font=value,
    )
    canvas.y += 150
    canvas.rule(8)

    pages = gettext("%(count)s (including this cover page)") % {"count": page_count}
    rows = [
        (gettext("To"), cover.recipient_name),
        (gettext("Fax number"), cover.recipient_number),
        (gettext("From"), cover.sender_name),
        (gettext("Fax number"), cover.sender_number),
        (gettext("Date"), stamp),
        (gettext("Pages"), pages),
        (gettext("Subject"), cover.subject),
    ]
    value_x = _MARGIN_X + _LABEL_WIDTH
    value_width = page_width - _MARGIN_X - value_x
    for name, raw in rows:
        text = clean(raw).strip()
        if not text:
            continue
        lines = wrap(text, value, value_width)
        if len(lines) > 3:  # a cover line is not the place for a novel
            lines = [*lines[:2], fit(" ".join(lines[2:]), value, value_width)]
        canvas.text(_MARGIN_X, name, label)
        for line in lines:
            canvas.text(value_x, line, value)
            canvas.y += _line_height(value)
        canvas.y += 14

    message = clean(cover.message).strip()
    if message:
        canvas.rule(3)
        canvas.text(_MARGIN_X, gettext("Message"), label)
        canvas.y += _line_height(label) + 10
        body = font(36)
        height = _line_height(body)
        lines = wrap(message, body, page_width - 2 * _MARGIN_X)
        room = max(0, (canvas.bottom - 60 - canvas.y) // height)
        if len(lines) > room:
            lines = [
                *lines[: max(0, room - 1)],
                gettext("[message shortened to fit the cover page]"),
            ]
        for line in lines:
            canvas.text(_MARGIN_X, line, body)
            canvas.y += height

    canvas.y = canvas.bottom
    canvas.rule(3, gap=0)
    canvas.text(
        _MARGIN_X,
        fit(
            ngettext(
                "This fax has %(count)s page including this cover page. "
                "If any are missing or unreadable, please call the sender.",
                "This fax has %(count)s pages including this cover page. "
                "If any are missing or unreadable, please call the sender.",
                page_count,
            )
            % {"count": page_count},
            small,
            page_width - 2 * _MARGIN_X,
        ),
        small,
    )
    return canvas.image


def render_cover_pdf(
    cover: CoverPage, *, page_count: int, paper: PaperSize = PaperSize.LETTER
) -> bytes:
    """A one-page PDF of the cover (8.47 x 10.8 in on Letter: with the fax's header line it
    fills the paper); page_count is the total including it."""
    image = render_cover_image(cover, page_count=page_count, paper=paper)
    out = io.BytesIO()
    image.save(out, "PDF", dpi=(X_DPI, _LPI), title=cover.wording.gettext("Fax cover page"))
    return out.getvalue()
