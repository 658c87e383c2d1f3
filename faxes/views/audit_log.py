"""Account admin: the audit log, filtered and keyset-paginated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from accounts.models import User
from faxes.forms import AuditFilterForm, day_range
from faxes.models import AuditEvent
from faxes.views.common import MANAGE, PortalRequest, portal_page
from faxes.views.paging import seek

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The actions this UI and the engine write, with how the log names them (the
# filter's choices). Page and thumbnail views are no longer written (a view of a
# fax is one "fax.viewed"); older rows keep a readable name.
ACTION_LABELS = {
    "fax.viewed": gettext_lazy("Viewed fax"),
    "fax.downloaded": gettext_lazy("Downloaded fax"),
    "fax.page_rotated": gettext_lazy("Turned a page"),
    "fax.sent": gettext_lazy("Sent fax"),
    "fax.submitted": gettext_lazy("Sent fax (API)"),
    "fax.received": gettext_lazy("Received fax"),
    "fax.forwarded": gettext_lazy("Forwarded fax"),
    "fax.cancelled": gettext_lazy("Cancelled fax"),
    "fax.resubmitted": gettext_lazy("Resubmitted fax"),
    "fax.deleted": gettext_lazy("Deleted fax"),
    "fax.attachment_purged": gettext_lazy("Purged fax files"),
    "contact.created": gettext_lazy("Added contact"),
    "contact.updated": gettext_lazy("Edited contact"),
    "contact.deleted": gettext_lazy("Deleted contact"),
    "faxbox.created": gettext_lazy("Created faxbox"),
    "faxbox.updated": gettext_lazy("Edited faxbox"),
    "account.retention_changed": gettext_lazy("Changed file retention"),
    "faxbox.retention_changed": gettext_lazy("Changed faxbox file retention"),
    "user.created": gettext_lazy("Added user"),
    "user.role_changed": gettext_lazy("Changed role"),
    "user.enabled": gettext_lazy("Enabled user"),
    "user.disabled": gettext_lazy("Disabled user"),
    "token.created": gettext_lazy("Created API token"),
    "token.revoked": gettext_lazy("Revoked API token"),
    "webhook.created": gettext_lazy("Added webhook"),
    "webhook.enabled": gettext_lazy("Enabled webhook"),
    "webhook.disabled": gettext_lazy("Disabled webhook"),
}
OLD_ACTION_LABELS = {
    "fax.page_viewed": gettext_lazy("Viewed a page"),
    "fax.thumbnail_viewed": gettext_lazy("Viewed a thumbnail"),
}
KNOWN_ACTIONS = list(ACTION_LABELS)
DETAIL_LABELS = {
    "new_fax": gettext_lazy("new fax"),
    "pages": gettext_lazy("pages"),
    "to": pgettext_lazy("audit detail", "to"),
    "from": pgettext_lazy("audit detail", "from"),
}


def action_label(action: str) -> StrOrPromise:
    known = ACTION_LABELS.get(action) or OLD_ACTION_LABELS.get(action)
    return known or action.replace(".", " ").replace("_", " ").capitalize()


def readable_details(details: dict) -> list[tuple[str, str]]:
    """Each detail as (name, text): lists joined, booleans as yes/no, ids shortened."""
    shown = []
    for key, value in (details or {}).items():
        if isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value) or gettext("none")
        elif isinstance(value, bool):
            text = gettext("yes") if value else gettext("no")
        elif isinstance(value, dict):
            text = ", ".join(f"{k} {v}" for k, v in value.items())
        else:
            text = "" if value is None else str(value)
        shown.append((DETAIL_LABELS.get(key, key.replace("_", " ")), text))
    return shown


@portal_page(MANAGE)
def audit_log(request: PortalRequest) -> HttpResponse:
    users = list(User.objects.filter(account_id=request.account.pk).order_by("username"))
    form = AuditFilterForm(request.GET or None, actions=ACTION_LABELS.items(), users=users)
    events = AuditEvent.objects.for_account(request.account).select_related("user", "token")
    if form.is_bound:
        form.is_valid()  # invalid filters are reported and ignored
        data = form.cleaned_data
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("user"):
            events = events.filter(user_id=data["user"])
        if data.get("fax"):
            events = events.filter(fax_id=data["fax"].strip())
        start, end = day_range(data.get("date_from"), data.get("date_to"))
        if start:
            events = events.filter(created_at__gte=start)
        if end:
            events = events.filter(created_at__lt=end)
    page = seek(
        events,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=settings.FAXPORTAL_UI_PAGE_SIZE,
        id_type=int,
    )
    for event in page.rows:
        event.label = action_label(event.action)
        event.readable = readable_details(event.details)
    return render(
        request,
        "manage/audit.html",
        {"form": form, "page": page, "nav": "audit"},
        status=400 if form.errors else 200,
    )
