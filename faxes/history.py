"""A fax's history in words about the fax: what the stored ``FaxEvent`` reasons mean.

The engine records why each status change happened in its own terms ("claimed by worker",
"worker lost while sending"); staff read what happened to their fax ("Picked up for
sending", "Interrupted; starting again"). Stored reasons stay as they are.
"""

from __future__ import annotations

import re

from faxes import failures

_FIXED = {
    "submitted": "Submitted",
    "scheduled": "Scheduled",
    "claimed by worker": "Picked up for sending",
    "converted": "Document ready; dialling",
    "retry due": "Trying again",
    "scheduled time reached": "Scheduled time reached; queued for sending",
    "worker lost before send": "Interrupted before dialling; starting again",
    "delivered": "Delivered",
}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^worker lost while (\w+)$"), "Interrupted; starting again"),
    (re.compile(r"^delivered \((\w+)\)$"), "Delivered"),
    (re.compile(r"^received via (\w+)$"), "Received"),
    (re.compile(r"^resubmitted from \w+$"), "Created by sending an earlier fax again"),
    (re.compile(r"^forwarded from \w+$"), "Created by forwarding a received fax"),
    (re.compile(r"^cancelled by user$"), "Cancelled"),
    (re.compile(r"^cancelled by (.+)$"), "Cancelled by {0}"),
)


def _why(text: str) -> str:
    """A failure's plain summary from the text stored with the event."""
    failure = failures.lookup(None, text)
    if failure is failures.UNKNOWN:
        return text
    return failure.summary[:1].lower() + failure.summary[1:]


def describe(to_status: str, reason: str) -> str:
    """How the portal's pages word one history entry."""
    reason = (reason or "").strip()
    if reason in _FIXED:
        return _FIXED[reason]
    if reason.startswith("will retry: "):
        why = _why(reason.removeprefix("will retry: "))
        return f"Not delivered this time ({why}); waiting to retry"
    if to_status == "failed":
        return f"Not delivered: {_why(reason)}" if reason else "Not delivered"
    for pattern, text in _PATTERNS:
        match = pattern.match(reason)
        if match:
            return text.format(*match.groups())
    return reason[:1].upper() + reason[1:] if reason else to_status.capitalize()
