"""The PDF confirmation of a finished outbound fax."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from faxes import lifecycle
from faxes.documents import ReceiptData, render_receipt_pdf
from faxes.models import Fax


def receipt_pdf(fax: Fax) -> bytes:
    """A one-page PDF receipt; ValidationError for a fax that is not a finished outbound one."""
    if fax.direction != "outbound" or fax.status not in lifecycle.FINAL:
        raise ValidationError("A receipt exists only for a finished outbound fax.")
    attempts = list(fax.attempts.order_by("number"))
    last = attempts[-1] if attempts else None
    document = None
    if fax.document:
        with fax.document.open("rb") as handle:
            document = handle.read()
    t30 = ""
    if last is not None and last.result_code is not None:
        t30 = f"{last.result_code}: {last.result_text}"
    data = ReceiptData(
        fax_id=fax.pk,
        status=fax.status,
        from_number=fax.from_number,
        to_number=fax.to_number,
        faxbox_name=fax.faxbox.name if fax.faxbox else "",
        from_name=fax.from_name,
        to_name=fax.to_name,
        pages_sent=last.pages_sent if last else 0,
        pages_total=fax.pages,
        t30_result=t30,
        attempts=len([a for a in attempts if a.success is not None]) or fax.attempt_count,
        started_at=attempts[0].started_at if attempts else None,
        ended_at=last.ended_at if last else fax.completed_at,
        remote_station_id=(last.receiver_id if last else "") or fax.remote_station_id,
        timezone=fax.faxbox.fax_timezone if fax.faxbox else fax.account.timezone,
        document=document,
    )
    return render_receipt_pdf(data)
