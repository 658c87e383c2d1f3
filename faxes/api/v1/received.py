"""Received faxes: ``GET /faxes``, ``GET /faxes/{id}``, ``/download``, ``/downloaded``;
and ``DELETE /faxes/{id}``, which cancels a sent fax (an extension)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from accounts import scopes
from faxes.api.v1 import files, filters, lookups, openapi, pagination, presenters
from faxes.api.v1.base import V1APIView, bad_request
from faxes.api.v1.sent import cancel_response
from faxes.models import FaxStatus
from faxes.services import audit, downloads
from faxportal.storage import FileStreamResponse

# Only what a list item shows: building 100 full rows costs more than the query.
LIST_FIELDS = (
    "id", "faxbox_id", "from_number", "to_number", "pages", "status", "remote_station_id",
    "completed_at", "created_at", "document", "tiff", "attachment_purged_at",
)  # fmt: skip


class ReceivedList(V1APIView):
    required_scopes = {"GET": scopes.FAX_READ}

    @openapi.received_list
    def get(self, request: Request) -> Response:
        params = request.query_params
        page = pagination.parse(params)
        token = self.token(request)
        faxes = lookups.inbound(self.account(request)).only(*LIST_FIELDS)
        faxes = filters.by_number(faxes, params, "from", "from_number")
        if params.get("status", "").strip():
            faxes = filters.by_status(faxes, params)
        else:  # received faxes, each one downloadable; those still downloading on request
            faxes = faxes.exclude(status=FaxStatus.RECEIVING)
        faxes = filters.by_dates(faxes, params, field="received_at")
        if params.get("downloaded"):
            wanted = filters.parse_bool("downloaded", params["downloaded"])
            if token is None:
                return bad_request("downloaded is tracked per API token; call with a token.")
            faxes = downloads.filter_downloaded(faxes, token, wanted)
        items, meta = pagination.paginate(faxes, page)
        sizes = presenters.sizes_for(items)
        marks = downloads.marks_for(token, [fax.pk for fax in items])
        shown = [presenters.received_item(fax, sizes, marks.get(fax.pk)) for fax in items]
        return Response({"data": {"faxes": shown}, "pagination": meta})


class ReceivedDetail(V1APIView):
    required_scopes = {"GET": scopes.FAX_READ, "DELETE": scopes.FAX_SEND}

    @openapi.received_detail
    def get(self, request: Request, fax_id: str) -> Response:
        account = self.account(request)
        faxes = downloads.with_download_state(lookups.inbound(account), self.token(request))
        fax = lookups.one(faxes, account, fax_id)
        return Response({"data": presenters.received_detail(fax, request)})

    @openapi.cancel("faxes_cancel")
    def delete(self, request: Request, fax_id: str) -> Response:
        return cancel_response(self, request, fax_id)


class ReceivedDownload(V1APIView):
    required_scopes = {"GET": scopes.FAX_READ}

    @openapi.received_download
    def get(self, request: Request, fax_id: str):
        account = self.account(request)
        fax = lookups.one(lookups.inbound(account), account, fax_id)
        tiff = files.wants_tiff(request.query_params)
        handle = files.open_file(fax, tiff, "This fax has no TIFF." if tiff else "No file.")
        token = self.token(request)
        if token is not None:
            downloads.mark_downloaded(fax, token)
        audit.record("fax.downloaded", account=account, fax=fax, principal=request.user,
                     request=request, format="tiff" if tiff else "pdf")  # fmt: skip
        return FileStreamResponse(
            handle,
            as_attachment=True,
            filename=presenters.download_filename(fax, "tiff" if tiff else "pdf"),
            content_type="image/tiff" if tiff else "application/pdf",
        )


class ReceivedDownloaded(V1APIView):
    """Mark (PATCH) or unmark (DELETE) a fax as downloaded for the calling token."""

    required_scopes = {"PATCH": scopes.FAX_READ, "DELETE": scopes.FAX_READ}

    def _fax_and_token(self, request: Request, fax_id: str):
        account = self.account(request)
        fax = lookups.one(lookups.inbound(account), account, fax_id)
        return fax, self.token(request)

    @openapi.mark_downloaded
    def patch(self, request: Request, fax_id: str) -> Response:
        fax, token = self._fax_and_token(request, fax_id)
        if token is None:
            return bad_request("downloaded is tracked per API token; call with a token.")
        mark = downloads.mark_downloaded(fax, token)
        return Response({"data": presenters.download_state(fax, mark.downloaded_at)})

    @openapi.unmark_downloaded
    def delete(self, request: Request, fax_id: str) -> Response:
        fax, token = self._fax_and_token(request, fax_id)
        if token is None:
            return bad_request("downloaded is tracked per API token; call with a token.")
        downloads.clear_downloaded(fax, token)
        return Response({"data": presenters.download_state(fax, None)})
