"""``POST /faxes/send``: one fax per recipient, answered as the contract does
(``{"success": true, "fax": {...}}``) plus ``faxes`` listing every fax made."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import scopes
from faxes import services
from faxes.api.v1 import openapi, presenters, send_request
from faxes.api.v1.base import V1APIView, bad_request, error, invalid
from faxes.api.v1.parsers import JSONParser
from faxes.models import Fax
from faxes.services import audit

MAX_IDEMPOTENCY_KEY = 255


class SendFax(V1APIView):
    required_scopes = {"POST": scopes.FAX_SEND}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @openapi.send
    def post(self, request: Request) -> Response:
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length.isdigit() and int(length) > limit:
            return error(413, "payload_too_large", f"The request is larger than {limit} bytes.")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
            return bad_request(
                f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} printable characters."
            )
        account = self.account(request)
        args = send_request.parse(request.data, request.FILES, account)
        try:
            result = services.submit_fax(
                account=account,
                recipients=args.recipients,
                documents=args.documents,
                faxbox=args.faxbox,
                owner=self.user(request),
                from_number=args.from_number,
                from_name=args.from_name,
                to_name=args.to_name,
                cover=args.cover,
                resolution=args.resolution,
                paper_size=args.paper_size,
                max_attempts=args.max_attempts,
                scheduled_at=args.scheduled_at,
                timezone_name=args.timezone_name,
                idempotency_key=key,
            )
        except ValidationError as exc:
            return invalid(exc)
        except services.IdempotencyKeyReused as exc:
            return error(422, "unprocessable_entity", exc.message)
        if not result.replayed:
            for fax in result.faxes:
                audit.record("fax.submitted", account=account, fax=fax, principal=request.user,
                             request=request, via="api/v1")  # fmt: skip
        ids = [fax.pk for fax in result.faxes]
        faxes = presenters.with_first_part(Fax.objects.filter(pk__in=ids))
        by_id = {fax.pk: fax for fax in faxes}
        summaries = [presenters.sent_summary(by_id[pk], request) for pk in ids if pk in by_id]
        if not summaries:  # an Idempotency-Key whose faxes were deleted since
            return error(409, "conflict", "The faxes sent with this Idempotency-Key are gone.")
        response = Response({"success": True, "fax": summaries[0], "faxes": summaries})
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
