"""A fax's history in words about the fax: what the stored ``FaxEvent`` reasons mean.

The engine records why each status change happened in its own terms ("claimed by worker",
"worker lost while sending"); staff read what happened to their fax ("Picked up for
sending", "Interrupted; starting again"). Stored reasons stay as they are.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_noop as _

from faxes import failures

_FIXED = {
    "submitted": _("Submitted"),
    "scheduled": _("Scheduled"),
    "claimed by worker": _("Picked up for sending"),
    "converted": _("Document ready; dialling"),
    "retry due": _("Trying again"),
    "scheduled time reached": _("Scheduled time reached; queued for sending"),
    "worker lost before send": _("Interrupted before dialling; starting again"),
    "delivered": _("Delivered"),
}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^worker lost while (\w+)$"), _("Interrupted; starting again")),
    (re.compile(r"^delivered \((\w+)\)$"), _("Delivered")),
    (re.compile(r"^received via (\w+)$"), _("Received")),
    (re.compile(r"^resubmitted from \w+$"), _("Created by sending an earlier fax again")),
    (re.compile(r"^forwarded from \w+$"), _("Created by forwarding a received fax")),
    (re.compile(r"^cancelled by user$"), _("Cancelled")),
    (re.compile(r"^cancelled by (.+)$"), _("Cancelled by {0}")),
)


def _why(text: str) -> str:
    """A failure's plain summary from the text stored with the event."""
    failure = failures.lookup(None, text)
    if failure is failures.UNKNOWN:
        return text
    summary = gettext(failure.summary)
    if get_language() == "de":  # German nouns keep their capital
        return summary
    return summary[:1].lower() + summary[1:]


def describe(to_status: str, reason: str) -> str:
    """How the portal's pages word one history entry."""
    reason = (reason or "").strip()
    if reason in _FIXED:
        return gettext(_FIXED[reason])
    if reason.startswith("will retry: "):
        why = _why(reason.removeprefix("will retry: "))
        return gettext("Not delivered this time (%(why)s); waiting to retry") % {"why": why}
    if to_status == "failed":
        if not reason:
            return gettext("Not delivered")
        return gettext("Not delivered: %(why)s") % {"why": _why(reason)}
    for pattern, text in _PATTERNS:
        match = pattern.match(reason)
        if match:
            return gettext(text).format(*match.groups())
    return reason[:1].upper() + reason[1:] if reason else to_status.capitalize()
