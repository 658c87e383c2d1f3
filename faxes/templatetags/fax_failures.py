"""Template helpers for failures and history: ``{% failure_notice fax attempts as notice %}``,
``{{ moment|next_try }}`` and ``{{ event|event_text }}`` (see ``faxes/failures.py`` and
``faxes/history.py``)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext

from faxes import failures, history

register = template.Library()


@register.simple_tag
def failure_notice(fax, attempts=None):
    """Why ``fax`` failed or waits to retry (None otherwise); ``attempts`` are its attempts
    when the page has them (the last finished one adds the carrier's own reason)."""
    finished = [a for a in (attempts or []) if a.success is not None]
    return failures.notice(fax, finished[-1] if finished else None)


@register.filter
def next_try(moment) -> str:
    """The next try in the active (account's) time zone: "14:05 EST" today, else with the day."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    today = timezone.localtime(timezone.now()).date()
    return date_format(
        local, "H:i T" if local.date() == today else pgettext("date format", "M j, H:i T")
    )


@register.filter
def event_text(event) -> str:
    return history.describe(event.to_status, event.reason)
