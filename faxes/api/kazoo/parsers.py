"""What /v2 requests carry, as DRF parsers: the JSON envelope (also under curl's
form-encoded type), ``multipart/mixed`` and ``multipart/form-data`` (an envelope part and
the document) and bare PDF/TIFF bodies (the numbers in the query string).

Every parser answers a ``Body``: the envelope as sent (keys not yet normalized) and the
uploaded documents. Parsers are picked by exact media type (``KazooNegotiation``), as
Crossbar does; every answer is JSON whatever the client's ``Accept``.
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework.parsers import BaseParser

from faxes.api.drf import OneRenderer
from faxes.api.kazoo import errors
from faxes.api.kazoo.envelope import django_request
from faxes.documents import DocumentKind
from faxportal import jsonbody

JSON_TYPES = ("", "application/json", "application/x-json", "text/json")
FORM = "application/x-www-form-urlencoded"
# A bare body: a PDF or an image, or an Office document or CSV (converted like any upload;
# told apart by its bytes, the type only picks this parser). Plain text stays Kazoo's JSON.
DOCUMENT_TYPES = (
    "application/pdf", "image/tiff", "image/tif", "image/png", "image/jpeg",
    *(kind.mime_type for kind in DocumentKind if kind.is_office and kind is not DocumentKind.TXT),
    "text/rtf",
)  # fmt: skip
QUERY_FIELDS = ("to_number", "from_number", "to_name", "from_name", "retries")


@dataclass
class Body:
    envelope: dict[str, Any]
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, bytes)


def content_type_of(request: Any) -> str:
    return str(request.META.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()


def is_json_body(request: Any) -> bool:
    """JSON types, or what ``curl -d '{"data": …}'`` sends: a form-encoded JSON object."""
    kind = content_type_of(request)
    if kind in JSON_TYPES:
        return True
    return kind == FORM and django_request(request).body.lstrip()[:1] == b"{"


def _object(raw: bytes, not_object: str) -> dict[str, Any]:
    try:
        parsed = jsonbody.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.invalid_json(f"failed to decode json: {exc}") from None
    if not isinstance(parsed, dict):
        raise errors.invalid_json(not_object)
    return parsed


def parse_json_envelope(raw: bytes) -> dict[str, Any]:
    """A request body as a Crossbar envelope (``{"data": {...}, …}``); {} when empty."""
    if not raw.strip():
        return {}
    return _object(raw, "the request body must be a JSON object")


def _json_part(raw: bytes) -> dict[str, Any]:
    return _object(raw or b"{}", "the JSON part must be an object")


def _request_of(parser_context: dict[str, Any] | None) -> HttpRequest:
    return django_request((parser_context or {})["request"])


class KazooParser(BaseParser):
    """Parsers here read the Django request itself (its size limits apply)."""

    media_types: tuple[str, ...] = ()

    # DRF keeps whatever a parser answers as ``request.data``: here always a Body.
    def parse(  # type: ignore[override]
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> Body:
        return self.read(_request_of(parser_context))

    def read(self, request: HttpRequest) -> Body:
        raise NotImplementedError


class EnvelopeParser(KazooParser):
    media_type = "application/json"
    media_types = JSON_TYPES

    def read(self, request: HttpRequest) -> Body:
        return Body(envelope=parse_json_envelope(request.body))


class FormParser(KazooParser):
    """curl's ``-d '{…}'`` (a JSON envelope sent as a form), or plain fields
    (``to_number=…``, or a JSON ``data`` field) when creating a fax."""

    media_type = FORM
    media_types = (FORM,)

    def read(self, request: HttpRequest) -> Body:
        if request.body.lstrip()[:1] == b"{":
            return Body(envelope=parse_json_envelope(request.body))
        return _form_data(request)


class MultipartFormParser(KazooParser):
    media_type = "multipart/form-data"
    media_types = (media_type,)

    def read(self, request: HttpRequest) -> Body:
        return _form_data(request)


class MultipartMixedParser(KazooParser):
    """An ``application/json`` part (the envelope) and the document parts."""

    media_type = "multipart/mixed"
    media_types = (media_type,)

    def read(self, request: HttpRequest) -> Body:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            raise errors.KazooError(413, "request too large", {"message": "request too large"})
        header = f"Content-Type: {request.META['CONTENT_TYPE']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            header + request.body
        )
        if not message.is_multipart():
            raise errors.bad_request("the multipart body could not be parsed")
        result = Body(envelope={})
        for part in message.iter_parts():  # type: ignore[attr-defined]
            kind = part.get_content_type()
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            if kind in JSON_TYPES[1:] and not result.envelope:
                result.envelope = _json_part(payload)
            elif kind not in ("text/plain",) or part.get_filename():
                result.files.append((part.get_filename() or "document", payload))
        return result


class DocumentParser(KazooParser):
    """A bare document body; the numbers come from the query string."""

    media_type = "application/pdf"
    media_types = DOCUMENT_TYPES

    def read(self, request: HttpRequest) -> Body:
        data = {k: v for k, v in request.GET.items() if k in QUERY_FIELDS}
        return Body(envelope={"data": data}, files=[("document", request.body)])


PARSERS: list[type[BaseParser]] = [
    EnvelopeParser, FormParser, MultipartMixedParser, MultipartFormParser, DocumentParser,
]  # fmt: skip


def _form(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    """POST fields and files; Django parses them by itself only for POST, Kazoo uses PUT."""
    if request.method == "POST":
        return request.POST, request.FILES
    if content_type_of(request) == "multipart/form-data":
        return request.parse_file_upload(request.META, request)
    return QueryDict(request.body), MultiValueDict()


def _form_data(request: HttpRequest) -> Body:
    result = Body(envelope={})
    fields, files = _form(request)
    uploads = cast("list[UploadedFile]", list(files.values()))
    for upload in uploads:
        # Django's parser already decodes Content-Transfer-Encoding: base64 parts.
        data = upload.read()
        if upload.content_type in JSON_TYPES[1:]:
            if not result.envelope:
                result.envelope = _json_part(data)
        else:
            result.files.append((upload.name or "document", data))
    if not result.envelope:
        # Plain form fields (to_number=…, from_number=…), or a JSON "data" field.
        if "data" in fields:
            result.envelope = {"data": _json_part(str(fields["data"]).encode())}
        else:
            result.envelope = {"data": dict(fields.items())}
    return result


def body_of(request: Any) -> Body:
    """The parsed request body (DRF's ``request.data``). An empty body is read by its
    parser too (DRF answers ``{}`` without asking one), so an empty PDF is an empty
    document, not a missing one."""
    data = request.data
    if isinstance(data, Body):
        return data
    parser = request.negotiator.select_parser(request, request.parsers)
    if parser is None:
        raise errors.unsupported_media(content_type_of(request))
    return parser.read(django_request(request))


class KazooNegotiation(OneRenderer):
    """Parsers by exact media type (no wildcards; none for an unknown type: 415), and
    always the one renderer: Crossbar answers JSON whatever ``Accept`` says."""

    def select_parser(self, request: Any, parsers: Iterable[BaseParser]) -> BaseParser | None:
        kind = content_type_of(request)
        for parser in parsers:
            if kind in getattr(parser, "media_types", (parser.media_type,)):
                return parser
        return None
