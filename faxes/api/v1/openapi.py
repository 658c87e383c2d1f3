"""OpenAPI documentation of every native API operation (drf-spectacular).

``/api/v1/schema/`` serves the schema and ``/api/v1/docs/`` Swagger UI ("Try
it out", after *Authorize* with a token). Each view method wears one of the
decorators below: parameters, bodies, every answer including the errors.
"""

from __future__ import annotations

from typing import Any, Final

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from faxes.api.v1 import openapi_shapes as shapes
from faxes.api.v1.filters import MAX_SEARCH
from faxes.api.v1.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE

Q: Final = OpenApiParameter.QUERY


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "faxapi_…",
            "description": "An API token: `Authorization: Bearer faxapi_…` "
            "(Kazoo clients may send it as `X-Auth-Token`).",
        }


class PortalSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionAuthentication"
    name = "cookieAuth"
    priority = -1

    def get_security_definition(self, auto_schema) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(shapes.Error, description=description)


ERRORS = {
    400: _error("bad_request: invalid parameters or body."),
    401: _error("unauthorized: missing or invalid Bearer token."),
    403: _error("forbidden: the token lacks the required scope."),
    404: _error("not_found: no such fax or file (other accounts' faxes included)."),
    405: _error("method_not_allowed: this path does not take that HTTP method."),
    413: _error("payload_too_large: the request body is too large."),
    414: OpenApiResponse(
        description="The request line (path and query) is longer than the web server accepts; "
        "the server answers before the API, without a JSON body."
    ),
    415: _error("unsupported_media_type: the body is not JSON, multipart or a form."),
    422: _error(
        "unprocessable_entity: the Idempotency-Key was used before with a different request."
    ),
    429: _error("too_many_requests: rate limit exceeded (see RateLimit-* headers)."),
    500: _error("internal_error: server error."),
}
CONFLICT = {409: _error("conflict: the fax is not in a state that allows this.")}
# Any path answers 405 to a method it does not take and 414 (from the web server) to an
# overlong URL; every operation with a body may be too large or of the wrong type.
EVERYWHERE = (405, 414, 500)
WITH_BODY = (413, 415)


def errors(*codes: int, body: bool = False) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation."""
    every = (*codes, *(WITH_BODY if body else ()), *EVERYWHERE)
    return {code: ERRORS[code] for code in sorted(set(every))}


def _integer(minimum: int, maximum: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def _text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


PAGING = [
    OpenApiParameter(
        "page",
        _integer(1, MAX_PAGE),
        Q,
        description=f"Page number (default 1, at most {MAX_PAGE}).",
    ),
    OpenApiParameter(
        "limit",
        _integer(1),
        Q,
        description=f"Items per page (default {DEFAULT_LIMIT}; larger values are served as "
        f"{MAX_LIMIT}, the most a page holds).",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": 200},
        Q,
        description="Extension: a next_cursor from an earlier answer; stable deep paging "
        "(page is ignored). Any other value is 400.",
    ),
]
# A date (its midnight) or a date-time; without an offset, UTC.
# (Empty is no filter, as in the reference.)
MOMENT = {
    "type": "string",
    "anyOf": [{"format": "date"}, {"format": "date-time"}, {"maxLength": 0}],
}
DATES = [
    OpenApiParameter(
        "date_from", MOMENT, Q, description="ISO 8601: on or after this time (UTC without offset)."
    ),
    OpenApiParameter(
        "date_to",
        MOMENT,
        Q,
        description="ISO 8601: on or before this time; a time covers its last figure "
        "(08:13:48.308Z includes that whole millisecond).",
    ),
]
STATUS = OpenApiParameter(
    "status",
    str,
    Q,
    enum=shapes.STATUS_FILTERS,
    description="queued, sending, delivered, failed, received (v1 names), or an exact "
    "lifecycle state (converting, retrying, scheduled, cancelled, receiving).",
)
FORMAT = OpenApiParameter(
    "format",
    str,
    Q,
    enum=["original", "pdf", "tiff"],
    description="original (PDF, default; pdf is the same) or tiff.",
)
FILE = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
    (200, "image/tiff"): OpenApiResponse(OpenApiTypes.BINARY, description="The fax TIFF."),
}
RECEIVED = ["faxes"]
SENT = ["sent faxes"]
WEBHOOKS = ["webhooks"]

received_list = extend_schema(
    operation_id="faxes_list",
    tags=RECEIVED,
    summary="List received faxes",
    description="Newest first. Without status, only received faxes (each one downloadable); "
    "status=receiving lists those still being downloaded from the carrier.",
    parameters=[
        *PAGING,
        OpenApiParameter("from", _text(MAX_SEARCH), Q, description="Sender number, partial match."),
        STATUS,
        *DATES,
        OpenApiParameter(
            "downloaded",
            bool,
            Q,
            description="true or false: download status for your API token.",
        ),
    ],
    responses={200: shapes.ReceivedListAnswer, **errors(400, 401, 403, 429)},
)
received_detail = extend_schema(
    operation_id="faxes_retrieve",
    tags=RECEIVED,
    summary="Get a received fax",
    responses={200: shapes.ReceivedDetailAnswer, **errors(401, 403, 404, 429)},
)
received_download = extend_schema(
    operation_id="faxes_download",
    tags=RECEIVED,
    summary="Download a received fax (marks it downloaded for your token)",
    parameters=[FORMAT],
    responses={**FILE, **errors(400, 401, 403, 404, 429)},
)
mark_downloaded = extend_schema(
    operation_id="faxes_mark_downloaded",
    tags=RECEIVED,
    summary="Mark a fax downloaded for your token",
    request=None,
    responses={200: shapes.DownloadStateAnswer, **errors(400, 401, 403, 404, 429)},
)
unmark_downloaded = extend_schema(
    operation_id="faxes_unmark_downloaded",
    tags=RECEIVED,
    summary="Reset the downloaded flag for your token",
    responses={200: shapes.DownloadStateAnswer, **errors(400, 401, 403, 404, 429)},
)


def cancel(operation_id: str):
    return extend_schema(
        operation_id=operation_id,
        tags=SENT,
        summary="Cancel a sent fax that is not on the line yet (extension)",
        description="Scheduled, queued or retrying faxes can be cancelled; needs fax:send.",
        responses={200: shapes.CancelAnswer, **errors(401, 403, 404, 429), **CONFLICT},
    )


send = extend_schema(
    operation_id="faxes_send",
    tags=SENT,
    summary="Send a fax",
    description=(
        "JSON with `media_url`, or multipart with `file`; one fax per recipient. "
        "Extensions: `numbers` (up to 10), base64 `data`, several files, `from`/`faxbox_id`, "
        "cover fields, `resolution`, `retries`, `scheduled_at` + `timezone`. An "
        "`Idempotency-Key` header returns the first request's faxes when repeated."
    ),
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            str,
            OpenApiParameter.HEADER,
            description="Makes retries of this request safe (at most 255 characters); "
            "the same key with a different request is 422.",
        ),
    ],
    request={
        "application/json": shapes.SendJson,
        "multipart/form-data": shapes.SendMultipart,
        "application/x-www-form-urlencoded": shapes.SendMultipart,
    },
    responses={
        200: shapes.SendAnswer,
        **errors(400, 401, 403, 422, 429, body=True),
    },
)
sent_list = extend_schema(
    operation_id="sent_list",
    tags=SENT,
    summary="List sent faxes",
    parameters=[
        *PAGING,
        OpenApiParameter(
            "to", _text(MAX_SEARCH), Q, description="Recipient number, partial match."
        ),
        STATUS,
        *DATES,
    ],
    responses={200: shapes.SentListAnswer, **errors(400, 401, 403, 429)},
)
sent_detail = extend_schema(
    operation_id="sent_retrieve",
    tags=SENT,
    summary="Get a sent fax with its attempts and T.30 result (extension)",
    responses={200: shapes.SentDetailAnswer, **errors(401, 403, 404, 429)},
)
sent_receipt = extend_schema(
    operation_id="sent_receipt",
    tags=SENT,
    summary="Receipt PDF of a finished sent fax (extension)",
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Receipt."),
        **errors(401, 403, 404, 429),
        **CONFLICT,
    },
)
sent_download = extend_schema(
    operation_id="sent_download",
    tags=SENT,
    summary="Download a sent fax as rendered (extension)",
    parameters=[FORMAT],
    responses={**FILE, **errors(400, 401, 403, 404, 429)},
)

webhook_list = extend_schema(
    operation_id="webhooks_list",
    tags=WEBHOOKS,
    summary="List webhook endpoints",
    responses={200: shapes.WebhookListAnswer, **errors(401, 403, 429)},
)
webhook_create = extend_schema(
    operation_id="webhooks_create",
    tags=WEBHOOKS,
    summary="Register a webhook endpoint",
    request=shapes.WebhookIn,
    responses={201: shapes.WebhookSecretAnswer, **errors(400, 401, 403, 429, body=True)},
)
webhook_detail = extend_schema(
    operation_id="webhooks_retrieve",
    tags=WEBHOOKS,
    summary="Get a webhook endpoint",
    responses={200: shapes.WebhookAnswer, **errors(401, 403, 404, 429)},
)
webhook_update = extend_schema(
    operation_id="webhooks_update",
    tags=WEBHOOKS,
    summary="Change a webhook endpoint",
    request=shapes.WebhookPatch,
    responses={200: shapes.WebhookAnswer, **errors(400, 401, 403, 404, 429, body=True)},
)
webhook_delete = extend_schema(
    operation_id="webhooks_delete",
    tags=WEBHOOKS,
    summary="Delete a webhook endpoint (and its delivery log)",
    responses={204: None, **errors(401, 403, 404, 429)},
)
webhook_rotate = extend_schema(
    operation_id="webhooks_rotate_secret",
    tags=WEBHOOKS,
    summary="Replace a webhook endpoint's signing secret",
    request=shapes.SecretIn,
    responses={200: shapes.WebhookSecretAnswer, **errors(400, 401, 403, 404, 429, body=True)},
)
webhook_deliveries = extend_schema(
    operation_id="webhooks_deliveries_list",
    tags=WEBHOOKS,
    summary="An endpoint's delivery log",
    parameters=[
        *PAGING,
        OpenApiParameter("status", str, Q, enum=["pending", "succeeded", "failed"]),
    ],
    responses={200: shapes.DeliveryListAnswer, **errors(400, 401, 403, 404, 429)},
)
webhook_redeliver = extend_schema(
    operation_id="webhooks_redeliver",
    tags=WEBHOOKS,
    summary="Send a delivery's body again (as a new delivery)",
    request=None,
    responses={202: shapes.DeliveryAnswer, **errors(401, 403, 404, 429)},
)


# Names of the choice sets in the schema (drf-spectacular would invent some).
ENUM_NAMES = {
    "V1StatusEnum": shapes.V1_STATUSES,
    "LifecycleStatusEnum": shapes.LIFECYCLE_STATUSES,
    "WebhookEventEnum": shapes.EVENTS,
    "DeliveryStatusEnum": shapes.DELIVERY_STATUSES,
    "ResolutionEnum": shapes.RESOLUTIONS,
}


def v1_only(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Schema preprocessing hook: the native API only, without the trailing-slash
    aliases and the catch-all 404."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if path.startswith("/api/v1/")
        and not path.endswith("/")
        and callback.cls.__name__ != "ApiNotFound"
    ]
