"""Faxes as the native API shows them (field names and formats of the Pharmique contract).

Plain functions building dicts, not DRF serializers: list pages are the hot
path, and every value here comes from the row and its annotations, so a page
costs the same queries whatever its size. ``openapi.py`` documents the shapes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from rest_framework.request import Request

from faxes import failures
from faxes.api.v1.files import file_sizes
from faxes.models import Attempt, DocumentPart, Fax, Receipt
from faxes.native_format import iso, or_none, pages, v1_status
from faxes.services.retention import files_purge_at

# --- received (inbound) faxes ---------------------------------------------------


def _received_at(fax: Fax):
    return fax.completed_at or fax.created_at


def download_filename(fax: Fax, extension: str) -> str:
    """``fax_+18772333839_2026-02-10T08-13-47-802Z.pdf``, as the reference names files."""
    stamp = (iso(_received_at(fax)) or "").replace(":", "-").replace(".", "-")
    return f"fax_{fax.from_number or 'unknown'}_{stamp}.{extension}"


def _has(fax: Fax, field: str) -> bool:
    return bool(getattr(fax, field)) and fax.attachment_purged_at is None


def sizes_for(faxes: list[Fax]) -> dict[str, int | None]:
    names = []
    for fax in faxes:
        if fax.attachment_purged_at is None:
            names += [fax.document.name, fax.tiff.name]
    return file_sizes(names)


def received_item(fax: Fax, sizes: dict[str, int | None], downloaded_at=None) -> dict[str, Any]:
    has_pdf, has_tiff = _has(fax, "document"), _has(fax, "tiff")
    return {
        "id": fax.pk,
        "from": or_none(fax.from_number),
        "to": fax.to_number,
        "pages": pages(fax.pages),
        "status": v1_status(fax.status),
        "remote_station_id": or_none(fax.remote_station_id),
        "received_at": iso(_received_at(fax)),
        "file_size": sizes.get(fax.document.name or "") if has_pdf else None,
        "has_tiff": has_tiff,
        "tiff_file_size": sizes.get(fax.tiff.name or "") if has_tiff else None,
        "downloaded": downloaded_at is not None,
        "downloaded_at": iso(downloaded_at),
        "faxbox_id": fax.faxbox_id,
    }


def received_detail(fax: Fax, request: Request) -> dict[str, Any]:
    sizes = sizes_for([fax])
    data = received_item(fax, sizes, getattr(fax, "token_downloaded_at", None))
    has_pdf, has_tiff = _has(fax, "document"), _has(fax, "tiff")
    download = request.build_absolute_uri(reverse("v1-fax-download", args=[fax.pk]))
    data.update(
        {
            "media_url": download if has_pdf else None,
            "filename": download_filename(fax, "pdf") if has_pdf else None,
            "tiff_filename": download_filename(fax, "tiff") if has_tiff else None,
            # Inbound TIFFs are made when the fax is filed.
            "tiff_converted_at": iso(_received_at(fax)) if has_tiff else None,
            "attachment_purged_at": iso(fax.attachment_purged_at),
            "files_purge_at": iso(files_purge_at(fax)),
        }
    )
    # Keep the reference's key order: the download state comes last.
    data["downloaded"] = data.pop("downloaded")
    data["downloaded_at"] = data.pop("downloaded_at")
    return data


def download_state(fax: Fax, downloaded_at) -> dict[str, Any]:
    return {
        "id": fax.pk,
        "downloaded": downloaded_at is not None,
        "downloaded_at": iso(downloaded_at),
    }


# --- sent (outbound) faxes ----------------------------------------------------------


def with_first_part(faxes: QuerySet[Fax]) -> QuerySet[Fax]:
    """Annotate the first document part's URL and file name (``media_url``,
    ``original_filename``) in the same query as the faxes."""
    first = DocumentPart.objects.filter(document_id=OuterRef("source_id"), position=0)
    return faxes.annotate(
        first_part_url=Subquery(first.values("url")[:1]),
        first_part_filename=Subquery(first.values("filename")[:1]),
    )


def sent_media_url(fax: Fax, request: Request) -> str:
    """The URL the document came from, or where an uploaded one can be downloaded."""
    url = getattr(fax, "first_part_url", None)
    if url:
        return url
    return request.build_absolute_uri(reverse("v1-sent-download", args=[fax.pk]))


def sent_item(fax: Fax, request: Request) -> dict[str, Any]:
    return {
        "sid": fax.pk,
        "id": fax.pk,
        "to": fax.to_number,
        "from": or_none(fax.from_number),
        "media_url": sent_media_url(fax, request),
        "original_filename": getattr(fax, "first_part_filename", None) or None,
        "status": v1_status(fax.status),
        "status_detail": fax.status,
        "pages": pages(fax.pages),
        "estimated_line_seconds": fax.estimated_line_seconds,
        "error_code": fax.error_code,
        "error_message": or_none(fax.error_message),
        "sent_at": iso(fax.created_at),
        "updated_at": iso(fax.updated_at),
        "scheduled_at": iso(fax.scheduled_at),
        "completed_at": iso(fax.completed_at),
        "attempt_count": fax.attempt_count,
        "faxbox_id": fax.faxbox_id,
    }


def attempt_item(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "started_at": iso(attempt.started_at),
        "ended_at": iso(attempt.ended_at),
        "success": attempt.success,
        "result_code": attempt.result_code,
        "result_text": or_none(attempt.result_text),
        "pages_sent": attempt.pages_sent,
        "speed": attempt.speed,
        "ecm": attempt.ecm,
        "compression": or_none(attempt.compression),
        "bad_rows": attempt.bad_rows,
        "remote_station_id": or_none(attempt.receiver_id),
        "duration": round(attempt.time_elapsed, 1),
    }


def receipt_item(receipt: Receipt, request: Request) -> dict[str, Any]:
    return {
        "id": receipt.pk,
        "sha256": or_none(receipt.document_sha256),
        "url": request.build_absolute_uri(reverse("v1-sent-receipt", args=[receipt.fax_id])),
        "created_at": iso(receipt.created_at),
    }


def sent_detail(
    fax: Fax, request: Request, attempts: list[Attempt], receipt: Receipt | None = None
) -> dict[str, Any]:
    data = sent_item(fax, request)
    finished = [a for a in attempts if a.success is not None]
    last = finished[-1] if finished else None
    receipt_url = request.build_absolute_uri(reverse("v1-sent-receipt", args=[fax.pk]))
    data.update(
        {
            "from_name": or_none(fax.from_name),
            "to_name": or_none(fax.to_name),
            "resolution": fax.resolution,
            "paper_size": or_none(fax.paper_size),
            "retries": fax.max_attempts,
            "cover": fax.cover or None,
            "retry_at": iso(fax.next_attempt_at) if fax.status == "retrying" else None,
            "remote_station_id": or_none(fax.remote_station_id),
            # The same entry webhooks and the UI give: code, category, retryable, texts.
            "failure": failures.as_data(fax),
            "t30_result": {"code": last.result_code, "text": or_none(last.result_text)}
            if last is not None
            else None,
            "attempts": [attempt_item(a) for a in attempts],
            "receipt_url": receipt_url
            if data["status"] in ("delivered", "failed", "cancelled")
            else None,
            "receipt": receipt_item(receipt, request) if receipt is not None else None,
            "attachment_purged_at": iso(fax.attachment_purged_at),
            "files_purge_at": iso(files_purge_at(fax)),
        }
    )
    return data


def sent_summary(fax: Fax, request: Request) -> dict[str, Any]:
    """One fax of a send answer: the reference's four fields, then the extensions."""
    return {
        "sid": fax.pk,
        "to": fax.to_number,
        "media_url": sent_media_url(fax, request),
        "status": v1_status(fax.status),
        "id": fax.pk,
        "status_detail": fax.status,
        "pages": pages(fax.pages),
        "estimated_line_seconds": fax.estimated_line_seconds,
        "from": or_none(fax.from_number),
        "scheduled_at": iso(fax.scheduled_at),
    }
