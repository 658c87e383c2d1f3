"""Faxes and faxboxes in Kazoo's public document shapes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from faxes import failures, lifecycle
from faxes.models import AUTO_PAPER, Attempt, Fax, Faxbox, FaxStatus

GREGORIAN_OFFSET = 62167219200  # seconds from year 0 to the unix epoch, as Erlang counts


def gregorian(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp()) + GREGORIAN_OFFSET


def from_gregorian(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds - GREGORIAN_OFFSET, tz=UTC)


STATUS: dict[str, str] = {
    FaxStatus.SCHEDULED: "pending",
    FaxStatus.QUEUED: "pending",
    FaxStatus.RETRYING: "pending",
    FaxStatus.CONVERTING: "processing",
    FaxStatus.SENDING: "processing",
    FaxStatus.DELIVERED: "completed",
    FaxStatus.FAILED: "failed",
    FaxStatus.CANCELLED: "failed",
}


def folder_id(fax: Fax) -> str:
    """Outbox/inbox ids are ``YYYYMM-<id>`` as in Kazoo's monthly databases."""
    return f"{fax.created_at:%Y%m}-{fax.pk}"


def plain_id(value: str) -> str:
    """Accept both ``<id>`` and ``YYYYMM-<id>``."""
    return value.split("-", 1)[1] if len(value) == 39 and value[6] == "-" else value


def _last_attempt(fax: Fax) -> Attempt | None:
    attempts = list(fax.attempts.all())  # prefetched by list views
    finished = [a for a in attempts if a.success is not None]
    return max(finished, key=lambda a: a.number) if finished else None


def _result_codes(failure: failures.Failure | None, portal_code: int | None) -> dict[str, Any]:
    """Kazoo's SIP-style ``result_code`` and FreeSWITCH ``result_cause`` (from the failure
    table), and the portal's own code and failure name beside them."""
    kazoo = failure.kazoo if failure is not None else failures.KAZOO_SUCCESS
    codes: dict[str, Any] = {"result_code": kazoo.code}
    if kazoo.cause:
        codes["result_cause"] = kazoo.cause
    codes["portal_result_code"] = portal_code
    codes["portal_failure_code"] = failure.code if failure is not None else None
    return codes


def tx_result(fax: Fax) -> dict[str, Any]:
    attempt = _last_attempt(fax)
    if attempt is None:
        result = {
            "error_message": fax.error_message if fax.status == FaxStatus.FAILED else "",
            "fax_bad_rows": 0,
            "fax_error_correction": False,
            "fax_receiver_id": "",
            "fax_speed": 0,
            "pages_sent": 0,
            "success": False,
            "time_elapsed": 0,
        }
        if fax.status == FaxStatus.CANCELLED:
            result["error_message"] = "cancelled"
        failure = failures.for_fax(fax)
        if failure is not None:  # failed before any call (document, URL, routing)
            result.update(_result_codes(failure, fax.error_code))
            result["result_text"] = fax.error_message
        return result
    return {
        "error_message": "" if attempt.success else attempt.result_text,
        "fax_bad_rows": attempt.bad_rows,
        "fax_error_correction": bool(attempt.ecm),
        "fax_receiver_id": attempt.receiver_id,
        "fax_speed": attempt.speed or 0,
        "pages_sent": attempt.pages_sent,
        "success": bool(attempt.success),
        "time_elapsed": round(attempt.time_elapsed),
        **_result_codes(failures.for_attempt(attempt), attempt.result_code),
        "result_text": attempt.result_text,
    }


def _with_send_to(section: Any, emails: list[str]) -> dict[str, Any]:
    """``section`` (a stored ``notifications``/``notifications.<direction>`` object) with
    ``email.send_to`` set to the current addresses, in the shape the client sent: Kazoo's
    schema takes an address or a list, and a client reads back what it wrote."""
    section = copy.deepcopy(section) if isinstance(section, dict) else {}
    email = section.get("email") if isinstance(section.get("email"), dict) else {}
    sent = email.get("send_to")
    if emails:
        email["send_to"] = emails[0] if isinstance(sent, str) and len(emails) == 1 else emails
    else:
        email.pop("send_to", None)
    if email:
        section["email"] = email
    else:
        section.pop("email", None)
    return section


def _notifications(fax: Fax) -> dict[str, Any]:
    return _with_send_to((fax.extra or {}).get("notifications"), fax.notify_emails or [])


def job_doc(fax: Fax) -> dict[str, Any]:
    """An outbound fax as Kazoo's fax job (outgoing queue) document."""
    doc: dict[str, Any] = dict(fax.extra or {})
    source_part = None
    if fax.source is not None:
        parts = list(fax.source.parts.all())
        source_part = parts[0] if len(parts) == 1 and parts[0].url else None
    if source_part is not None:
        doc["document"] = {"url": source_part.url, **(source_part.url_options or {})}
        doc["document"].setdefault("method", "get")
    doc.update(
        {
            "id": fax.pk,
            "from_name": fax.from_name,
            "from_number": fax.from_number,
            "to_name": fax.to_name,
            "to_number": fax.to_number,
            "retries": fax.max_attempts,
            "attempts": fax.attempt_count,
            # The fax's own zone may be kept in extra by earlier versions.
            "fax_timezone": fax.fax_timezone or doc.get("fax_timezone") or fax.local_timezone,
            "tx_result": tx_result(fax),
            "status": STATUS.get(fax.status, "pending"),
            "created": gregorian(fax.created_at),
        }
    )
    if fax.faxbox_id:
        doc["faxbox_id"] = fax.faxbox_id
    if fax.owner_id:
        doc["owner_id"] = fax.owner_id
    if fax.subject:
        doc["subject"] = fax.subject
    if fax.identity_name:
        doc["fax_identity_name"] = fax.identity_name
    if fax.identity_number:
        doc["fax_identity_number"] = fax.identity_number
    # Extensions: the paper it is laid out for (when the request chose one) and how long the
    # call holds a line at 14,400 bit/s (once the pages are known).
    if fax.paper_size:
        doc["paper_size"] = fax.paper_size
    if fax.estimated_line_seconds is not None:
        doc["estimated_line_seconds"] = fax.estimated_line_seconds
    notifications = _notifications(fax)
    if notifications:
        doc["notifications"] = notifications
    else:
        doc.pop("notifications", None)
    if fax.status in lifecycle.FINAL:
        doc["delivered"] = gregorian(fax.completed_at or fax.updated_at)
    return doc


def outbox_doc(fax: Fax) -> dict[str, Any]:
    doc = job_doc(fax)
    doc.update(
        {
            "id": folder_id(fax),
            "folder": "outbox",
            "to": fax.to_number,
            "from": fax.from_number,
            "pages": fax.pages,
            "_read_only": {"created": gregorian(fax.created_at), "status": doc["status"]},
        }
    )
    return doc


def inbox_doc(fax: Fax) -> dict[str, Any]:
    received = fax.completed_at or fax.created_at
    zone = settings.TIME_ZONE
    doc: dict[str, Any] = dict(fax.extra or {})
    # Not shown: the loopback's test flag, what a carrier announced (kept to download it).
    rx = {
        k: v for k, v in (fax.rx_result or {}).items() if k not in ("modem_tested", "announcement")
    }
    doc.update(
        {
            "id": folder_id(fax),
            "name": f"fax message received at {received:%Y-%m-%d %H:%M:%S} {zone}",
            "description": "fax document received",
            "source_type": "incoming_fax",
            "folder": "inbox",
            "from_number": fax.from_number,
            "from_name": fax.from_name,
            "to_number": fax.to_number,
            "to": fax.to_number,
            "from": fax.from_number,
            "timestamp": gregorian(received),
            "created": gregorian(fax.created_at),
            "media_type": "tiff",
            "pages": fax.pages,
            "remote_station_id": fax.remote_station_id,
            "rx_result": rx,
        }
    )
    if fax.faxbox_id:
        doc["faxbox_id"] = fax.faxbox_id
    if fax.owner_id:
        doc["owner_id"] = fax.owner_id
    if fax.attachment_purged_at:
        doc["_read_only"] = {"attachment_purged": True}
    return doc


FAXBOX_DEFAULTS: dict[str, Any] = {
    "caller_name": "Fax Printer",
    "fax_header": "Fax Printer",
    "retries": 1,
    "smtp_permission_list": [],
}


def faxbox_doc(faxbox: Faxbox, *, with_smtp: bool = True) -> dict[str, Any]:
    doc: dict[str, Any] = dict(faxbox.extra or {})
    doc.update(
        {
            "id": faxbox.pk,
            "name": faxbox.name,
            "caller_name": faxbox.caller_name,
            "caller_id": faxbox.caller_id,
            "fax_header": faxbox.fax_header,
            "fax_identity": faxbox.fax_identity,
            "fax_timezone": faxbox.fax_timezone,
            "retries": faxbox.max_attempts,
            "smtp_permission_list": faxbox.smtp_permission_list,
        }
    )
    notifications = copy.deepcopy(doc.get("notifications") or {})
    for direction, emails in (
        ("inbound", faxbox.notify_inbound_emails),
        ("outbound", faxbox.notify_outbound_emails),
    ):
        section = _with_send_to(notifications.get(direction), emails or [])
        if section:
            notifications[direction] = section
        else:
            notifications.pop(direction, None)
    if notifications:
        doc["notifications"] = notifications
    else:
        doc.pop("notifications", None)
    if faxbox.custom_smtp_email_address:
        doc["custom_smtp_email_address"] = faxbox.custom_smtp_email_address
    if faxbox.owner_id:
        doc["owner_id"] = faxbox.owner_id
    if faxbox.paper_size and faxbox.paper_size != AUTO_PAPER:
        doc["paper_size"] = faxbox.paper_size  # extension; absent means by its number
    if with_smtp and faxbox.smtp_email_address:
        doc["smtp_email_address"] = faxbox.smtp_email_address
    return doc
