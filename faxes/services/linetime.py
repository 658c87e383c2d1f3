"""How long a document holds a fax line, and the refusal of a page that would hold it too long.

The estimate follows each page's CCITT data at the fastest rate two fax machines negotiate
(:mod:`faxes.modem.linetime`, measured through the modem pair): a typed page takes about half
a minute, a full-page photograph about four minutes. A page that would take longer than
``FAXPORTAL_MAX_PAGE_LINE_SECONDS`` even then (a page of fine random detail) is refused when
the fax is submitted, with its page named, instead of failing on the line after every retry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.conf import settings

from faxes.documents import CombinedDocument, DocumentRejected, RejectionCode
from faxes.documents.errors import describe
from faxes.modem.linetime import TOP_BIT_RATE, call_seconds, page_seconds


def page_labels(
    part_names: Sequence[str], part_page_counts: Sequence[int], *, has_cover: bool = False
) -> list[str]:
    """How a message names each page of a combined document: "page 3 (page 1 of
    “photo.jpg”)", "the cover page"."""
    labels = []
    counts = list(part_page_counts)
    if has_cover:
        labels.append("The cover page")
        counts = counts[1:]
    for name, count in zip(part_names, counts, strict=False):
        for index in range(count):
            number = len(labels) + 1
            where = f" (page {index + 1} of {describe(name)})" if name else ""
            labels.append(f"Page {number}{where}")
    return labels


def estimated_call_seconds(page_bytes: Sequence[int]) -> float:
    """The line time of a call carrying these pages at full speed (14,400 bit/s), rounded to
    a tenth of a second: what the preview, the APIs and the fax's page show before it goes."""
    return round(call_seconds(page_bytes, TOP_BIT_RATE), 1)


def check_document_line_time(
    page_bytes: Sequence[int], part_names: Sequence[str], combined: CombinedDocument
) -> None:
    """:func:`check_line_time` for a combined document, its pages named by the files they
    came from (and the cover page)."""
    check_line_time(
        page_bytes,
        page_labels(part_names, combined.part_page_counts, has_cover=combined.has_cover),
    )


def check_line_time(page_bytes: Sequence[int], labels: Sequence[str]) -> None:
    """Raise ``DocumentRejected`` (``too_long_to_send``) naming the first page that would hold
    a fax line longer than the limit."""
    limit = settings.FAXPORTAL_MAX_PAGE_LINE_SECONDS
    for index, size in enumerate(page_bytes):
        seconds = page_seconds(size, TOP_BIT_RATE)
        if seconds > limit:
            label = labels[index] if index < len(labels) else f"Page {index + 1}"
            raise DocumentRejected(
                RejectionCode.TOO_LONG_TO_SEND,
                f"{label} would take about {math.ceil(seconds / 60)} minutes on a fax line "
                f"even at full speed; a page may take at most {limit // 60} minutes. Send it "
                "at standard resolution, or a simpler version of it (a black-and-white scan "
                "rather than a photo).",
            )
