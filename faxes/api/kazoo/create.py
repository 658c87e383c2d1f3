"""PUT /faxes (and /faxes/outgoing): validate a Kazoo fax job and submit it."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from rest_framework.request import Request

from faxes import services
from faxes.api.kazoo import envelope, errors
from faxes.api.kazoo.parsers import body_of
from faxes.models import Fax, Faxbox
from faxes.phone import normalize_e164

# Kazoo's default reconcile regex for numbers it will dial.
RECONCILE = re.compile(r"^(\+?1)?\d{10}$|^\+[2-9]\d{7,}$|^011\d*$|^00\d*$")
HANDLED = {
    "to_number", "from_number", "to_name", "from_name", "retries", "attempts", "document",
    "document_url", "tx_result", "id", "fax_timezone", "timezone", "subject",
    "faxbox_id", "owner_id", "fax_identity_name", "fax_identity_number", "paper_size",
}  # fmt: skip


def _emails(value: Any, path: str, check: errors.Validation) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        check.type(path, "string or array")
        return []
    return [v for v in items if v]


def _document(data: dict[str, Any], check: errors.Validation) -> services.UrlDocument | None:
    document = data.get("document")
    if document is None and isinstance(data.get("document_url"), str):
        document = {"url": data["document_url"]}
    if document is None:
        return None
    if not isinstance(document, dict):
        check.type("document", "object")
        return None
    url = document.get("url")
    if not isinstance(url, str) or not url:
        check.required("document.url")
        return None
    if len(url) > 2000:
        check.add("document.url", "maxLength", "String must not be more than 2000 characters",
                  target=2000)  # fmt: skip
        return None
    if not re.match(r"^https?://", url):
        check.add("document.url", "pattern", "Failed to match pattern '^https?://'",
                  target="^https?://")  # fmt: skip
    method = document.get("method", "get")
    if method not in ("get", "post"):
        check.add("document.method", "enum", "Value not found in enumerated list of values",
                  target=["get", "post"], value=method)  # fmt: skip
    content = document.get("content")
    if content is not None and (not isinstance(content, str) or len(content) > 256):
        check.add("document.content", "maxLength", "String must not be more than 256 characters",
                  target=256)  # fmt: skip
    return services.UrlDocument(
        url=url, method=method if isinstance(method, str) else "get",
        content=content if isinstance(content, str) else None,
        content_type=document.get("content_type"), host=document.get("host"),
        referer=document.get("referer"),
    )  # fmt: skip


def _retries(data: dict[str, Any], check: errors.Validation) -> int | None:
    if "retries" not in data:
        return None
    value = data["retries"]
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        check.type("retries", "integer")
        return None
    if value > 4:
        check.add("retries", "maximum", "Value must be at most 4", target=4, value=value)
    if value < 0:
        check.add("retries", "minimum", "Value must be at least 0", target=0, value=value)
    return value


def create_fax(
    request: Request, *, account, principal, faxbox: Faxbox | None = None, owner=None
) -> Fax:
    """Validate a create request the way Crossbar does and submit it; returns the fax."""
    parsed = body_of(request)
    data = envelope.normalize_keys(parsed.envelope).get("data", {})
    if not isinstance(data, dict):
        raise errors.KazooError(400, "validation error",
                                {"data": {"type": {"message": "must be an object",
                                                   "target": "object"}}})  # fmt: skip
    check = errors.Validation()
    # Strings the portal stores in bounded columns: refuse what would not fit.
    for key, limit in (("to_number", 64), ("from_number", 64), ("from_name", 64),
                       ("to_name", 64), ("subject", 200), ("timezone", 64),
                       ("fax_timezone", 64), ("fax_identity_name", 64),
                       ("fax_identity_number", 20)):  # fmt: skip
        if key in data and data[key] is not None:
            if not isinstance(data[key], str):
                check.type(key, "string")
            elif len(data[key]) > limit:
                check.add(key, "maxLength", f"String must not be more than {limit} characters",
                          target=limit)  # fmt: skip
    notifications = data.get("notifications") or {}
    if not isinstance(notifications, dict):
        check.type("notifications", "object")
        notifications = {}
    if not data.get("to_number"):
        check.required("to_number")
    if not data.get("from_number") and not (faxbox and faxbox.caller_id):
        check.required("from_number")
    retries = _retries(data, check)
    url_document = _document(data, check)
    email = notifications.get("email") or {}
    emails = _emails(email.get("send_to") if isinstance(email, dict) else None,
                     "notifications.email.send_to", check)  # fmt: skip
    documents: list = []
    if url_document is not None:
        documents.append(url_document)
    elif parsed.files:
        name, content = parsed.files[0]  # Kazoo uses the first file only
        documents.append(services.UploadedFile(content, name))
    else:
        check.add("document.url", "required", "add document url or upload a document")
    to_number: str = data["to_number"] if isinstance(data.get("to_number"), str) else ""
    if to_number:
        compact = re.sub(r"[\s().-]", "", to_number)
        try:
            if not RECONCILE.match(compact):
                raise ValidationError("unreconcilable")
            to_number = normalize_e164(compact)
        except ValidationError:
            check.add("document.to_number", "required", "add a valid number to send the fax to")
    check.raise_if_any()

    # Kazoo's request key "timezone" wins over "fax_timezone"; under /faxboxes/{FB} the
    # faxbox's header, station id and time zone are copied into the job when absent.
    timezone_name = data.get("timezone") or data.get("fax_timezone")
    identity_name = data.get("fax_identity_name")
    identity_number = data.get("fax_identity_number")
    if faxbox is not None:
        timezone_name = timezone_name or faxbox.fax_timezone
        identity_name = identity_name if identity_name is not None else faxbox.fax_header
        identity_number = identity_number if identity_number is not None else faxbox.fax_identity
    try:
        result = services.submit_fax(
            account=account, faxbox=faxbox, owner=owner or principal.user,
            recipients=[to_number], documents=documents,
            from_number=data.get("from_number") or None,
            from_name=data.get("from_name"), to_name=data.get("to_name") or "",
            max_attempts=retries if retries is not None else (None if faxbox else 1),
            timezone_name=timezone_name if isinstance(timezone_name, str) else None,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:255],
            notify_emails=emails,
            identity_name=identity_name if isinstance(identity_name, str) else "",
            identity_number=identity_number if isinstance(identity_number, str) else "",
            fax_timezone=timezone_name if isinstance(timezone_name, str) else "",
            paper_size=data.get("paper_size"),  # extension: the faxbox's when absent
        )  # fmt: skip
    except ValidationError as exc:
        raise _validation(exc) from None
    except services.IdempotencyKeyReused as exc:
        raise errors.KazooError(422, "idempotency key reused", {"message": exc.message}) from None
    fax = result.faxes[0]
    extra = {k: v for k, v in data.items() if k not in HANDLED}
    if extra:
        Fax.objects.filter(pk=fax.pk).update(extra=extra)
    return Fax.objects.select_related("faxbox", "account", "source").get(pk=fax.pk)


def _validation(exc: ValidationError) -> errors.KazooError:
    check = errors.Validation()
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"document": exc.messages}
    paths = {"to": "document.to_number", "from": "from_number", "documents": "document",
             "retries": "retries", "timezone": "fax_timezone",
             "identity": "fax_identity_name"}  # fmt: skip
    for name, messages in fields.items():
        path = paths.get(name, name)
        for message in messages:
            rule = "required" if path == "document.to_number" else "invalid"
            if path == "document.to_number":
                message = "add a valid number to send the fax to"
            check.add(path, rule, message)
    return errors.KazooError(400, "validation error", check.errors)
