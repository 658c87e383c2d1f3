"""The cover page of a fax, as the engine renders it and the preview shows it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.models import Account
from faxes.documents import CoverPage, PaperSize
from faxes.models import Fax, Faxbox
from faxes.phone import normalize_e164
from faxes.services.callerid import choose_sender
from faxes.services.wording import fax_wording


@dataclass(frozen=True)
class CoverFields:
    """What a sender writes on the cover page."""

    subject: str = ""
    message: str = ""


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


def outgoing_fax(
    *,
    account: Account,
    faxbox: Faxbox | None,
    recipient: str,
    cover: CoverFields | None,
    resolution: str,
    to_name: str = "",
    paper_size: str = "",
) -> Fax:
    """An unsaved Fax with the fields ``submit_fax`` would give it (for rendering)."""
    sender = faxbox.caller_id if faxbox else ""
    try:
        sender = normalize_e164(sender) if sender else ""
    except ValidationError:
        sender = ""
    return Fax(
        account=account,
        faxbox=faxbox,
        direction="outbound",
        from_number=sender,
        from_name=(faxbox.caller_name if faxbox else "")[:64],
        to_number=recipient,
        to_name=to_name[:64],
        cover={"subject": cover.subject, "message": cover.message} if cover else None,
        resolution=resolution,
        paper_size=paper_size,
    )
