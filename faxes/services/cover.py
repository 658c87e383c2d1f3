"""The cover page of a fax, as the engine renders it and the preview shows it."""

from __future__ import annotations

from faxes.documents import CoverPage, PaperSize
from faxes.models import Fax
from faxes.services.callerid import choose_sender
from faxes.services.wording import fax_wording


def paper_for(fax: Fax) -> PaperSize:
    """The paper the fax's pages are laid out for (cover, images, page lengths)."""
    return PaperSize(fax.paper)


def cover_page_for(fax: Fax) -> CoverPage | None:
    if not fax.cover:
        return None
    faxbox = fax.faxbox
    return CoverPage(
        recipient_name=fax.to_name,
        recipient_number=fax.to_number,
        sender_name=fax.from_name or (faxbox.caller_name if faxbox else ""),
        # On the page, like the header: the number really transmitted.
        sender_number=fax.sent_caller_id or choose_sender(fax).caller_id,
        subject=fax.cover.get("subject", ""),
        message=fax.cover.get("message", ""),
        timezone=fax.local_timezone,
        wording=fax_wording(fax),
    )
