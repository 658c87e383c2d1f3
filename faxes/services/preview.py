"""The send preview: exactly the pages a recipient's fax machine will print.

The pages come out of the same code the engine uses when it converts and
sends a fax (``cover_page_for`` + ``combine_documents`` + ``iter_fax_pages``
with the faxbox's header line), so what the sender approves is what goes out:
1-bit, 1728 dots wide, fine or standard rows, cover page first.
"""

from __future__ import annotations

import io
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime

from accounts.models import Account
from faxes.documents import DocumentRejected, accept_document, combine_documents, iter_fax_pages
from faxes.documents.faxspec import Resolution as RenderResolution
from faxes.documents.tiffwriter import encode_page
from faxes.failures import rejection_text
from faxes.models import Faxbox
from faxes.services.callerid import header_for
from faxes.services.cover import CoverFields, cover_page_for, outgoing_fax, paper_for
from faxes.services.linetime import check_document_line_time, estimated_call_seconds
from faxes.services.submit import UploadedFile


class DocumentsRejected(Exception):
    """Files of a preview that cannot be sent, each with why (every one, not the first)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class PreviewPage:
    number: int
    png: bytes  # 1-bit PNG at fax resolution
    width: int
    height: int  # rows as transmitted (half as many at standard resolution)
    display_height: int  # rows scaled to square pixels, for showing it undistorted


@dataclass(frozen=True)
class SendPreview:
    pages: list[PreviewPage]
    page_count: int  # every page that will be sent, shown or not
    recipient: str
    resolution: str
    has_cover: bool
    # Seconds the call holds a fax line at 14,400 bit/s, from every page's encoded data.
    estimated_line_seconds: float

    @property
    def hidden_pages(self) -> int:
        return self.page_count - len(self.pages)


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def preview_send(
    *,
    account: Account,
    faxbox: Faxbox | None,
    recipient: str,
    documents: list[UploadedFile],
    cover: CoverFields | None = None,
    resolution: str = "fine",
    to_name: str = "",
    sent_at: datetime | None = None,
    max_pages: int = 20,
    paper_size: str = "",
) -> SendPreview:
    """Render the first ``max_pages`` pages the recipient will get.

    Raises ``DocumentsRejected`` naming every file the engine would refuse, and
    ``DocumentRejected`` when the files together cannot be sent (too many pages). ``sent_at``
    (default: now) is the time printed in the header line and on the cover.
    """
    fax = outgoing_fax(
        account=account,
        faxbox=faxbox,
        recipient=recipient,
        cover=cover,
        resolution=resolution,
        to_name=to_name,
        paper_size=paper_size,
    )
    paper = paper_for(fax)
    accepted, rejected = [], []
    for doc in documents:
        try:
            accepted.append(accept_document(doc.data, filename=doc.filename, paper=paper))
        except DocumentRejected as exc:
            rejected.append(rejection_text(exc))
    if rejected:
        raise DocumentsRejected(rejected)
    cover_page = cover_page_for(fax)
    if cover_page is not None and sent_at is not None:
        cover_page = replace(cover_page, sent_at=sent_at)
    combined = combine_documents(accepted, cover=cover_page, paper=paper)
    render_resolution = RenderResolution(resolution)
    # Standard rows are twice as tall as fine ones: show them stretched back.
    row_scale = 2 if render_resolution is RenderResolution.STANDARD else 1
    pages: list[PreviewPage] = []
    rendered = iter_fax_pages(
        combined.pdf, resolution=render_resolution, header=header_for(fax, sent_at), paper=paper
    )
    page_bytes: list[int] = []
    with closing(rendered):
        for number, image in enumerate(rendered, start=1):
            # Every page is measured (the line time covers them all); the first
            # ``max_pages`` are shown.
            page_bytes.append(len(encode_page(image, resolution=render_resolution).strip))
            if number <= max_pages:
                pages.append(
                    PreviewPage(
                        number=number,
                        png=_png(image),
                        width=image.width,
                        height=image.height,
                        display_height=image.height * row_scale,
                    )
                )
    # The refusal submit would give, before the sender presses send.
    check_document_line_time(page_bytes, [doc.filename for doc in accepted], combined)
    return SendPreview(
        pages=pages,
        page_count=combined.page_count,
        recipient=recipient,
        resolution=resolution,
        has_cover=cover_page is not None,
        estimated_line_seconds=estimated_call_seconds(page_bytes),
    )
