"""Reading a ``POST /faxes/send`` body (JSON, multipart or form) into submit_fax arguments.

The contract's body is ``{"to", "media_url"}`` or multipart ``to`` + ``file``. The
extensions are additive: ``number``/``numbers`` (faxrocks), several ``file`` parts,
base64 ``data``, ``from``/``faxbox_id``, cover fields, ``resolution``, ``retries``,
``scheduled_at`` + ``timezone``. Wrong types and malformed values are 400s naming
the field; everything about the fax itself is checked by ``submit_fax``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

from accounts.models import Account
from faxes.api.v1.base import BadRequest
from faxes.models import Faxbox
from faxes.phone import normalize_e164
from faxes.services import CoverFields, UploadedFile, UrlDocument

_DATA_URL = re.compile(r"^data:[\w.+-]+/[\w.+-]+(;[\w=.+-]+)*;base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


@dataclass
class SendArgs:
    recipients: list[str] = field(default_factory=list)
    documents: list[UploadedFile | UrlDocument] = field(default_factory=list)
    faxbox: Faxbox | None = None
    from_number: str | None = None
    from_name: str | None = None
    to_name: str = ""
    cover: CoverFields | None = None
    resolution: str = "fine"
    paper_size: str | None = None  # checked by submit_fax (400 with its message)
    max_attempts: int | None = None
    scheduled_at: datetime | None = None
    timezone_name: str | None = None


def _many(data: Any, name: str) -> list[Any]:
    if isinstance(data, QueryDict):
        return data.getlist(name)
    value = data.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _one(data: Any, name: str) -> Any:
    values = _many(data, name)
    if len(values) > 1:
        raise BadRequest(f"{name} must be given once.")
    return values[0] if values else None


def _clean(value: str, multiline: bool = False) -> bool:
    """No control characters (NUL would not even fit in PostgreSQL); newlines only in
    multi-line fields."""
    allowed = "\n\r\t" if multiline else ""
    return all(c.isprintable() or c in allowed for c in value)


def _text(
    data: Any, name: str, limit: int, default: str | None = None, multiline: bool = False
) -> str | None:
    value = _one(data, name)
    if value is None:
        return default
    if not isinstance(value, str) or not _clean(value, multiline):
        raise BadRequest(f"{name} must be a string without control characters.")
    if len(value) > limit:
        raise BadRequest(f"{name} must be at most {limit} characters.")
    return value


def _strings(data: Any, name: str, check_characters: bool = True) -> list[str]:
    values = _many(data, name)
    if any(not isinstance(v, str) for v in values) or (
        check_characters and not all(_clean(v, multiline=True) for v in values)
    ):
        raise BadRequest(f"{name} must be a string or a list of strings.")
    return values


def recipients(data: Any) -> list[str]:
    """``to`` (the contract), ``number`` and ``numbers`` (faxrocks), in that order. Their
    characters are checked by the phone number rules, whose messages name invisible ones."""
    found: list[str] = []
    for name in ("to", "number", "numbers"):
        for value in _strings(data, name, check_characters=False):
            found += [part.strip() for part in value.split(",") if part.strip()]
    return found


def _decode_base64(value: str, position: int) -> bytes:
    text = _WHITESPACE.sub("", _DATA_URL.sub("", value.strip(), count=1))
    limit = settings.FAXPORTAL_MAX_DOCUMENT_BYTES
    if len(text) * 3 // 4 > limit + 2:
        raise BadRequest(f"data[{position}] is larger than {limit // (1024 * 1024)} MB.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"data[{position}] is not valid base64.") from None


def documents(data: Any, files: Any) -> list[UploadedFile | UrlDocument]:
    """Uploaded files first (in order), then base64 ``data``, then ``media_url`` URLs."""
    limit = settings.FAXPORTAL_MAX_DOCUMENT_BYTES
    found: list[UploadedFile | UrlDocument] = []
    uploads = [*files.getlist("file"), *files.getlist("files")] if files else []
    for upload in uploads:
        if upload.size > limit:
            raise BadRequest(f"file {upload.name!r} is larger than {limit // (1024 * 1024)} MB.")
        name = "".join(c for c in upload.name or "" if c.isprintable())[:255]
        found.append(UploadedFile(upload.read(), filename=name))
    names = _strings(data, "filename")
    for position, value in enumerate(_strings(data, "data")):
        name = names[position] if position < len(names) else "document"
        found.append(UploadedFile(_decode_base64(value, position), filename=name[:255]))
    for url in _strings(data, "media_url"):
        if len(url) > 2000 or not url.strip() or not _clean(url):
            raise BadRequest("media_url must be a URL of at most 2000 characters.")
        found.append(UrlDocument(url.strip()))
    return found


def _cover(data: Any) -> CoverFields | None:
    subject = _text(data, "cover_subject", 200)
    message = _text(data, "cover_message", 4000, multiline=True)
    nested = None if isinstance(data, QueryDict) else data.get("cover")
    if nested is not None:
        if not isinstance(nested, dict):
            raise BadRequest("cover must be an object with subject and message.")
        subject = _text(nested, "subject", 200, subject)
        message = _text(nested, "message", 4000, message, multiline=True)
    if subject is None and message is None:
        return None
    return CoverFields(subject=subject or "", message=message or "")


def _retries(data: Any) -> int | None:
    value = _one(data, "retries")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest("retries must be an integer.")
    try:
        return int(value)
    except ValueError:
        raise BadRequest("retries must be an integer.") from None


def _scheduled(data: Any) -> datetime | None:
    value = _text(data, "scheduled_at", 64)
    if not value:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest("scheduled_at must be an ISO 8601 date-time, e.g. 2026-03-01T09:00:00.")
    # Years 1 and 9999 overflow when the time is moved into UTC (a 500 in submit_fax).
    if not 2 <= moment.year <= 9998:
        raise BadRequest("scheduled_at is out of range.")
    return moment


def _faxbox(account: Account, data: Any) -> tuple[Faxbox | None, str | None]:
    """The sending faxbox and number: ``faxbox_id``, else the faxbox owning ``from``,
    else the account's first faxbox. ``from`` must be one of the account's numbers."""
    live = Faxbox.objects.for_account(account).live()
    faxbox_id = _text(data, "faxbox_id", 64)
    sender = _text(data, "from", 32)
    faxbox = None
    if faxbox_id:
        faxbox = live.filter(pk=faxbox_id).first()
        if faxbox is None:
            raise BadRequest("faxbox_id: no such faxbox.")
    if sender:
        try:
            sender = normalize_e164(sender)
        except ValidationError:
            raise BadRequest(f"from: {sender!r} is not a valid phone number.") from None
        owner = live.filter(Q(numbers__number=sender) | Q(caller_id=sender)).first()
        if owner is None:
            raise BadRequest("from: not a number of this account's faxboxes.")
        faxbox = faxbox or owner
    if faxbox is None:
        faxbox = live.order_by("created_at").first()
    return faxbox, sender


def parse(data: Any, files: Any, account: Account) -> SendArgs:
    if not isinstance(data, dict):  # QueryDict is a dict too
        raise BadRequest("The request body must be a JSON object or a form.")
    faxbox, sender = _faxbox(account, data)
    timezone_name = _text(data, "timezone", 64)
    return SendArgs(
        recipients=recipients(data),
        documents=documents(data, files),
        faxbox=faxbox,
        from_number=sender,
        from_name=_text(data, "from_name", 64),
        to_name=_text(data, "to_name", 64, "") or "",
        cover=_cover(data),
        resolution=_text(data, "resolution", 16, "fine") or "fine",
        paper_size=_text(data, "paper_size", 16),
        max_attempts=_retries(data),
        scheduled_at=_scheduled(data),
        timezone_name=timezone_name or None,
    )
