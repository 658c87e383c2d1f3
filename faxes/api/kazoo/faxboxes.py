"""/v2/accounts/{A}/faxboxes: Kazoo faxbox CRUD (PUT 201, POST replaces, PATCH merges)."""

from __future__ import annotations

import copy
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from faxes.api.kazoo import errors, public
from faxes.api.kazoo.base import KazooView
from faxes.models import AUTO_PAPER, Faxbox, PaperSize
from faxes.services.faxboxes import FaxboxSettings, delete_faxbox, save_faxbox
from faxes.services.paper import check_paper_size

STRING_FIELDS = ("caller_name", "caller_id", "fax_header", "fax_identity", "fax_timezone")
# Column sizes of the stored fields (fax_identity is cut to T.30's 20 characters instead).
MAX_LENGTHS = {"caller_name": 64, "caller_id": 20, "fax_header": 64, "fax_timezone": 64,
               "custom_smtp_email_address": 254}  # fmt: skip
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
READ_ONLY = {"id", "smtp_email_address", "_read_only"}


def _email_list(value: Any, path: str, check: errors.Validation) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        check.type(path, "string or array")
        return []
    for item in items:
        if not EMAIL.match(item):
            check.add(path, "format", f"{item!r} is not an e-mail address", format="email")
    return items


def _enum(check: errors.Validation, path: str, value: Any, allowed: list[str]) -> None:
    if value not in allowed:
        check.add(path, "enum", "Value not found in enumerated list of values",
                  target=allowed, value=value)  # fmt: skip


def _check_callback(callback: Any, path: str, check: errors.Validation) -> None:
    if not isinstance(callback, dict):
        check.type(path, "object")
        return
    if "url" in callback and not re.match(r"^https?://", str(callback["url"])):
        check.add(f"{path}.url", "pattern", "Failed to match pattern '^https?://'",
                  target="^https?://")  # fmt: skip
    _enum(check, f"{path}.method", callback.get("method", "post"), ["post", "put"])
    _enum(check, f"{path}.type", callback.get("type", "json"), ["json", "www-url-form-encoded"])


def _check_notifications(notifications: dict, check: errors.Validation) -> dict[str, list[str]]:
    emails: dict[str, list[str]] = {"inbound": [], "outbound": []}
    for direction in ("inbound", "outbound"):
        section = notifications.get(direction) or {}
        path = f"notifications.{direction}"
        if not isinstance(section, dict):
            check.type(path, "object")
            continue
        email = section.get("email") or {}
        if isinstance(email, dict) and "send_to" in email:
            emails[direction] = _email_list(email["send_to"], f"{path}.email.send_to", check)
        if section.get("callback") is not None:
            _check_callback(section["callback"], f"{path}.callback", check)
    return emails


def validate(doc: dict[str, Any], faxbox: Faxbox | None, account) -> FaxboxSettings:
    """Check a full faxbox document against the ``faxbox`` schema; what to save."""
    check = errors.Validation()
    name = doc.get("name")
    if name is None:
        check.required("name")
    elif not isinstance(name, str):
        check.type("name", "string")
    elif not 1 <= len(name) <= 128:
        check.add("name", "maxLength" if name else "minLength",
                  "String must be 1 to 128 characters", target=128 if name else 1)  # fmt: skip
    for key in STRING_FIELDS:
        if key in doc and not isinstance(doc[key], str):
            check.type(key, "string")
    for key, limit in MAX_LENGTHS.items():
        if isinstance(doc.get(key), str) and len(doc[key]) > limit:
            check.add(key, "maxLength", f"String must not be more than {limit} characters",
                      target=limit)  # fmt: skip
    zone = doc.get("fax_timezone")
    if isinstance(zone, str) and zone and zone not in zoneinfo.available_timezones():
        check.add(
            "fax_timezone", "enum", "Value not found in enumerated list of values", value=zone
        )
    for key in ("retries", "attempts"):
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            check.type(key, "integer")
        elif not 0 <= value <= 4:
            rule = "maximum" if value > 4 else "minimum"
            check.add(key, rule, f"Value must be at {'most 4' if value > 4 else 'least 0'}",
                      target=4 if value > 4 else 0, value=value)  # fmt: skip
    permissions = doc.get("smtp_permission_list", [])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        check.type("smtp_permission_list", "array")
    flags = doc.get("flags")
    if flags is not None and (
        not isinstance(flags, list) or not all(isinstance(f, str) for f in flags)
    ):
        check.type("flags", "array")
    media = doc.get("media")
    if media is not None:
        if not isinstance(media, dict):
            check.type("media", "object")
        elif "fax_option" in media and not isinstance(media["fax_option"], bool):
            check.type("media.fax_option", "boolean")
    paper = AUTO_PAPER  # extension: absent means by the faxbox's number
    try:
        paper = check_paper_size(doc.get("paper_size")) or AUTO_PAPER
    except ValidationError:
        check.add("paper_size", "enum", "Value not found in enumerated list of values",
                  target=[*PaperSize.values, AUTO_PAPER],
                  value=_shown(doc.get("paper_size")))  # fmt: skip
    custom = doc.get("custom_smtp_email_address")
    if custom is not None and not isinstance(custom, str):
        check.type("custom_smtp_email_address", "string")
    elif custom:
        taken = Faxbox.objects.filter(custom_smtp_email_address__iexact=custom)
        if faxbox is not None:
            taken = taken.exclude(pk=faxbox.pk)
        if taken.exists():
            check.add("custom_smtp_email_address", "unique", "email address must be unique",
                      cause=custom)  # fmt: skip
    notifications = doc.get("notifications") or {}
    if not isinstance(notifications, dict):
        check.type("notifications", "object")
        notifications = {}
    emails = _check_notifications(notifications, check)
    owner = None
    if doc.get("owner_id"):
        owner = User.objects.filter(account=account, pk=doc["owner_id"]).first()
        if owner is None:
            check.add("owner_id", "not_found", "owner_id is not a user of this account",
                      cause=doc["owner_id"])  # fmt: skip
    check.raise_if_any()

    rest = {k: v for k, v in doc.items() if k not in READ_ONLY}
    # E-mail lists live in their own columns; everything else unknown is kept as sent.
    stored_notifications = copy.deepcopy(notifications)
    for direction in ("inbound", "outbound"):
        section = stored_notifications.get(direction)
        if isinstance(section, dict) and isinstance(section.get("email"), dict):
            # The list has its own column; a single address sent as a string stays here
            # only to remember that shape for the answer.
            if not isinstance(section["email"].get("send_to"), str):
                section["email"].pop("send_to", None)
            if not section["email"]:
                section.pop("email")
            if not section:
                stored_notifications.pop(direction)
    known = {"name", *STRING_FIELDS, "retries", "smtp_permission_list",
             "custom_smtp_email_address", "owner_id", "notifications", "paper_size"}  # fmt: skip
    extra = {k: v for k, v in rest.items() if k not in known}
    if stored_notifications:
        extra["notifications"] = stored_notifications
    return FaxboxSettings(
        name=str(name),  # checked above
        caller_name=doc.get("caller_name", public.FAXBOX_DEFAULTS["caller_name"]),
        caller_id=doc.get("caller_id", ""),
        fax_header=doc.get("fax_header", public.FAXBOX_DEFAULTS["fax_header"]),
        fax_identity=(doc.get("fax_identity") or "")[:20],
        fax_timezone=doc.get("fax_timezone") or account.timezone,
        max_attempts=doc.get("retries", public.FAXBOX_DEFAULTS["retries"]),
        smtp_permission_list=permissions,
        custom_smtp_email_address=custom or None,
        owner=owner,
        notify_inbound_emails=emails["inbound"],
        notify_outbound_emails=emails["outbound"],
        paper_size=paper,
        extra=extra,
    )


def _shown(value: Any) -> Any:
    """A refused value as the error echoes it: long text cut short."""
    return value[:40] if isinstance(value, str) else value


# The Kazoo rule names of what the faxbox service refuses after the schema checks
# passed (a race on the e-mail address, a portal limit stricter than the schema's).
SERVICE_RULES = {"custom_smtp_email_address": "unique", "retries": "maximum",
                 "fax_timezone": "enum"}  # fmt: skip


def _save(account, faxbox: Faxbox | None, values: FaxboxSettings) -> Faxbox:
    try:
        return save_faxbox(account, values, faxbox)
    except ValidationError as exc:
        details: dict[str, Any] = {}
        for key, messages in exc.message_dict.items():
            rule = SERVICE_RULES.get(key, "invalid")
            if key == "custom_smtp_email_address":
                detail = {"message": "email address must be unique",
                          "cause": values.custom_smtp_email_address}  # fmt: skip
            else:
                detail = {"message": " ".join(messages)}
            details[key] = {rule: detail}
        raise errors.KazooError(400, "validation error", details) from None


class FaxboxesView(KazooView):
    scopes = {"get": "fax:read", "put": "faxbox:manage", "post": "faxbox:manage",
              "patch": "faxbox:manage", "delete": "faxbox:manage"}  # fmt: skip

    def live(self):
        return Faxbox.objects.for_account(self.account).live()

    def one(self, faxbox_id: str) -> Faxbox:
        faxbox = self.live().filter(pk=faxbox_id).first()
        if faxbox is None:
            raise errors.bad_identifier(faxbox_id)
        return faxbox


class FaxboxCollection(FaxboxesView):
    def get(self, request: Request) -> Response:
        return self.page(self.live(), public.faxbox_doc,
                         db_fields={"owner_id": "owner_id", "name": "name"})  # fmt: skip

    def put(self, request: Request) -> Response:
        faxbox = _save(self.account, None, validate(self.data, None, self.account))
        response = self.ok(public.faxbox_doc(faxbox), status=201)
        response["Location"] = f"{request.path.rstrip('/')}/{faxbox.pk}"
        return response


class FaxboxItem(FaxboxesView):
    def get(self, request: Request, faxbox_id: str) -> Response:
        return self.ok(public.faxbox_doc(self.one(faxbox_id)))

    def post(self, request: Request, faxbox_id: str) -> Response:
        faxbox = self.one(faxbox_id)
        values = validate(self.data, faxbox, self.account)
        return self.ok(public.faxbox_doc(_save(self.account, faxbox, values)))

    def patch(self, request: Request, faxbox_id: str) -> Response:
        faxbox = self.one(faxbox_id)
        merged = _merge(public.faxbox_doc(faxbox), self.data)
        values = validate(merged, faxbox, self.account)
        return self.ok(public.faxbox_doc(_save(self.account, faxbox, values)))

    def delete(self, request: Request, faxbox_id: str) -> Response:
        faxbox = self.one(faxbox_id)
        delete_faxbox(faxbox)
        doc = public.faxbox_doc(faxbox)
        doc["_read_only"] = {"deleted": True}
        return self.ok(doc)


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
