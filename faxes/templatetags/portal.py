"""Template helpers of the staff UI: roles, status badges, numbers, query strings."""

from __future__ import annotations

import base64

import phonenumbers
from django import template
from django.http import QueryDict
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext, pgettext_lazy

from faxes.services.form_keys import FIELD as FORM_KEY_FIELD
from faxes.services.form_keys import new_key
from faxes.views.clock import time_format
from faxes.views.common import can_manage as _can_manage
from faxes.views.common import can_send as _can_send

register = template.Library()

STATUS_TONE = {
    "delivered": "ok",
    "received": "ok",
    "failed": "bad",
    "cancelled": "muted",
    "scheduled": "info",
    "queued": "info",
    "retrying": "warn",
    "converting": "busy",
    "sending": "busy",
    "receiving": "busy",
}


@register.filter
def can_send(user) -> bool:
    # Error pages may render without a request (no user at all).
    return bool(getattr(user, "is_authenticated", False)) and _can_send(user)


@register.filter
def can_manage(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and _can_manage(user)


# A status as a history badge shows it (lower case, as stored), in the reader's language.
STATUS_WORDS = {
    "scheduled": pgettext_lazy("fax status", "scheduled"),
    "queued": pgettext_lazy("fax status", "queued"),
    "converting": pgettext_lazy("fax status", "converting"),
    "sending": pgettext_lazy("fax status", "sending"),
    "retrying": pgettext_lazy("fax status", "retrying"),
    "delivered": pgettext_lazy("fax status", "delivered"),
    "failed": pgettext_lazy("fax status", "failed"),
    "cancelled": pgettext_lazy("fax status", "cancelled"),
    "receiving": pgettext_lazy("fax status", "receiving"),
    "received": pgettext_lazy("fax status", "received"),
}


@register.filter
def status_word(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONE.get(status, "muted")


@register.filter
def phone(number: str) -> str:
    """+12025550101 → +1 202-555-0101 (E.164 stays the value; this is for reading)."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes)."""
    params: QueryDict = context["request"].GET.copy()
    for key in ("poll", "partial", "state"):
        params.pop(key, None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


# The date formats the templates use, as each language writes them (the translation of
# a format is a Django date format too: "M j, Y" is "d.m.Y" in German).
DATE_FORMATS = (
    pgettext_lazy("date format", "M j, Y"),
    pgettext_lazy("date format", "M j, Y H:i T"),
    pgettext_lazy("date format", "M j, Y H:i:s T"),
    pgettext_lazy("date format", "M j, H:i T"),
    pgettext_lazy("date format", "M j, H:i:s T"),
)


def localized_format(fmt: str) -> str:
    return pgettext("date format", fmt)


@register.filter(expects_localtime=True)
def local_date(value, fmt: str) -> str:
    """``date`` in the active language's way of writing ``fmt``."""
    return date_filter(value, localized_format(fmt))


@register.filter(expects_localtime=True)
def stamp(value, fmt: str) -> str:
    """``local_date`` with the time on the user's 12- or 24-hour clock."""
    return date_filter(value, time_format(localized_format(fmt)))


@register.simple_tag
def form_key() -> str:
    """The hidden one-time key of a form that creates something (see form_keys)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_KEY_FIELD, new_key())


@register.filter
def line_time(seconds: float | None) -> str:
    """A call's line time as people say it: "35 s", "3 min 40 s" (whole seconds)."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    if total < 60:
        return gettext("%(seconds)d s") % {"seconds": total}
    minutes, rest = divmod(total, 60)
    if not rest:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    return gettext("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
