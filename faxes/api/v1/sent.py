"""Sent faxes: ``GET /faxes/sent`` (the contract), and the extensions
``GET|DELETE /faxes/sent/{id}``, ``/faxes/sent/{id}/receipt`` and ``/download``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import scopes
from faxes import services
from faxes.api.v1 import files, filters, lookups, openapi, pagination, presenters
from faxes.api.v1.base import V1APIView, error
from faxes.models import Direction, Fax
from faxes.native_format import v1_status
from faxes.services import audit, receipts
from faxportal.storage import FileStreamResponse

# Only what a list item shows: building 100 full rows costs more than the query.
LIST_FIELDS = (
    "id", "faxbox_id", "source_id", "from_number", "to_number", "pages",
    "estimated_line_seconds", "status",
    "error_code", "error_message", "created_at", "updated_at", "scheduled_at", "completed_at",
    "attempt_count",
)  # fmt: skip
# A send-only token may follow what it sent.
READ_SENT = (scopes.FAX_READ, scopes.FAX_SEND)


class SentList(V1APIView):
    required_scopes = {"GET": READ_SENT}

    @openapi.sent_list
    def get(self, request: Request) -> Response:
        params = request.query_params
        page = pagination.parse(params)
        faxes = lookups.outbound(self.account(request)).only(*LIST_FIELDS)
        faxes = filters.by_number(faxes, params, "to", "to_number")
        faxes = filters.by_status(faxes, params)
        faxes = filters.by_dates(faxes, params)
        items, meta = pagination.paginate(presenters.with_first_part(faxes), page)
        return Response(
            {
                "data": {"faxes": [presenters.sent_item(fax, request) for fax in items]},
                "pagination": meta,
            }
        )


def _sent_fax(view: V1APIView, request: Request, fax_id: str) -> Fax:
    account = view.account(request)
    return lookups.one(presenters.with_first_part(lookups.outbound(account)), account, fax_id)


class SentDetail(V1APIView):
    required_scopes = {"GET": READ_SENT, "DELETE": scopes.FAX_SEND}

    @openapi.sent_detail
    def get(self, request: Request, fax_id: str) -> Response:
        fax = _sent_fax(self, request, fax_id)
        attempts = list(fax.attempts.order_by("number"))
        receipt = receipts.make_receipt(fax) if fax.status in receipts.RECEIPT_STATUSES else None
        return Response({"data": presenters.sent_detail(fax, request, attempts, receipt)})

    @openapi.cancel("sent_cancel")
    def delete(self, request: Request, fax_id: str) -> Response:
        return cancel_response(self, request, fax_id)


def cancel_response(view: V1APIView, request: Request, fax_id: str) -> Response:
    """Cancel a sent fax that is not on the line yet (scheduled, queued, retrying)."""
    account = view.account(request)
    any_fax = Fax.objects.live()
    fax = lookups.one(presenters.with_first_part(any_fax), account, fax_id)
    if fax.direction != Direction.OUTBOUND:
        return error(409, "conflict", "Only a sent fax can be cancelled.")
    if not services.cancel_fax(fax, reason="cancelled through the API"):
        fax.refresh_from_db(fields=["status"])
        return error(
            409, "conflict",
            f"This fax is {v1_status(fax.status)} ({fax.status}) and can no longer be cancelled.",
        )  # fmt: skip
    audit.record("fax.cancelled", account=account, fax=fax, principal=request.user, request=request)
    fax.refresh_from_db(fields=["status", "updated_at", "completed_at"])
    return Response({"success": True, "fax": presenters.sent_summary(fax, request)})


class SentReceipt(V1APIView):
    required_scopes = {"GET": READ_SENT}

    @openapi.sent_receipt
    def get(self, request: Request, fax_id: str):
        fax = _sent_fax(self, request, fax_id)
        try:
            receipt = receipts.make_receipt(fax)
        except ValidationError as exc:
            return error(409, "conflict", " ".join(exc.messages))
        # The stored receipt (one page, small), byte for byte the same on every download.
        with receipt.file.open("rb") as handle:
            response = HttpResponse(handle.read(), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt_{fax.pk}.pdf"'
        return response


class SentDownload(V1APIView):
    """The document as it was (or will be) faxed: PDF with cover, or the fax TIFF."""

    required_scopes = {"GET": READ_SENT}

    @openapi.sent_download
    def get(self, request: Request, fax_id: str):
        fax = _sent_fax(self, request, fax_id)
        tiff = files.wants_tiff(request.query_params)
        handle = files.open_file(fax, tiff, "This fax has not been rendered yet.")
        return FileStreamResponse(
            handle,
            as_attachment=True,
            filename=f"fax_{fax.pk}.{'tiff' if tiff else 'pdf'}",
            content_type="image/tiff" if tiff else "application/pdf",
        )
