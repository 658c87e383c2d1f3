"""Reading a fax-create request: JSON envelope, multipart (mixed or form-data),
or a bare PDF/TIFF body with the numbers in the query string."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from faxes.api.kazoo import errors
from faxes.api.kazoo.base import content_type_of, is_json_body, parse_json_envelope
from faxportal import jsonbody

DOCUMENT_TYPES = ("application/pdf", "image/tiff", "image/tif", "image/png", "image/jpeg")


@dataclass
class CreateRequest:
    envelope: dict[str, Any]
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, bytes)


def _envelope_from_json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = jsonbody.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.invalid_json(f"failed to decode json: {exc}") from None
    if not isinstance(parsed, dict):
        raise errors.invalid_json("the JSON part must be an object")
    return parsed


def _multipart_mixed(request: HttpRequest) -> CreateRequest:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise errors.KazooError(413, "request too large", {"message": "request too large"})
    header = f"Content-Type: {request.META['CONTENT_TYPE']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        header + request.body
    )
    if not message.is_multipart():
        raise errors.bad_request("the multipart body could not be parsed")
    result = CreateRequest(envelope={})
    for part in message.iter_parts():
        kind = part.get_content_type()
        payload = part.get_payload(decode=True) or b""
        if kind in ("application/json", "application/x-json", "text/json") and not result.envelope:
            result.envelope = _envelope_from_json(payload)
        elif kind not in ("text/plain",) or part.get_filename():
            result.files.append((part.get_filename() or "document", payload))
    return result


def _form(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    """POST fields and files; Django parses them by itself only for POST, Kazoo uses PUT."""
    if request.method == "POST":
        return request.POST, request.FILES
    if content_type_of(request) == "multipart/form-data":
        return request.parse_file_upload(request.META, request)
    return QueryDict(request.body), MultiValueDict()


def _form_data(request: HttpRequest) -> CreateRequest:
    result = CreateRequest(envelope={})
    fields, files = _form(request)
    for upload in files.values():
        # Django's parser already decodes Content-Transfer-Encoding: base64 parts.
        data = upload.read()
        if upload.content_type in ("application/json", "application/x-json", "text/json"):
            if not result.envelope:
                result.envelope = _envelope_from_json(data)
        else:
            result.files.append((upload.name or "document", data))
    if not result.envelope:
        # Plain form fields (to_number=…, from_number=…), or a JSON "data" field.
        if "data" in fields:
            result.envelope = {"data": _envelope_from_json(fields["data"].encode())}
        else:
            result.envelope = {"data": dict(fields.items())}
    return result


def read_create_request(request: HttpRequest) -> CreateRequest:
    kind = content_type_of(request)
    if is_json_body(request):
        return CreateRequest(envelope=parse_json_envelope(request))
    if kind == "multipart/mixed":
        return _multipart_mixed(request)
    if kind == "multipart/form-data":
        return _form_data(request)
    if kind == "application/x-www-form-urlencoded":
        return _form_data(request)
    if kind in DOCUMENT_TYPES:
        data = {
            k: v
            for k, v in request.GET.items()
            if k in ("to_number", "from_number", "to_name", "from_name", "retries")
        }
        return CreateRequest(envelope={"data": data}, files=[("document", request.body)])
    raise errors.unsupported_media(kind)
