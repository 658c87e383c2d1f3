"""Account admin: the audit log, filtered and keyset-paginated."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from faxes.forms import AuditFilterForm, day_range
from faxes.models import AuditEvent
from faxes.views.common import MANAGE, portal_page
from faxes.views.paging import seek

# The actions this UI and the engine write, with how the log names them (the
# filter's choices). Page and thumbnail views are no longer written (a view of a
# fax is one "fax.viewed"); older rows keep a readable name.
ACTION_LABELS = {
    "fax.viewed": "Viewed fax",
    "fax.downloaded": "Downloaded fax",
    "fax.page_rotated": "Turned a page",
    "fax.sent": "Sent fax",
    "fax.submitted": "Sent fax (API)",
    "fax.received": "Received fax",
    "fax.forwarded": "Forwarded fax",
    "fax.cancelled": "Cancelled fax",
    "fax.resubmitted": "Resubmitted fax",
    "fax.deleted": "Deleted fax",
    "fax.attachment_purged": "Purged fax files",
    "contact.created": "Added contact",
    "contact.updated": "Edited contact",
    "contact.deleted": "Deleted contact",
    "faxbox.created": "Created faxbox",
    "faxbox.updated": "Edited faxbox",
    "account.retention_changed": "Changed file retention",
    "faxbox.retention_changed": "Changed faxbox file retention",
    "user.created": "Added user",
    "user.role_changed": "Changed role",
    "user.enabled": "Enabled user",
    "user.disabled": "Disabled user",
    "token.created": "Created API token",
    "token.revoked": "Revoked API token",
    "webhook.created": "Added webhook",
    "webhook.enabled": "Enabled webhook",
    "webhook.disabled": "Disabled webhook",
}
OLD_ACTION_LABELS = {
    "fax.page_viewed": "Viewed a page",
    "fax.thumbnail_viewed": "Viewed a thumbnail",
}
KNOWN_ACTIONS = list(ACTION_LABELS)
DETAIL_LABELS = {"new_fax": "new fax", "pages": "pages", "to": "to", "from": "from"}


def action_label(action: str) -> str:
    known = ACTION_LABELS.get(action) or OLD_ACTION_LABELS.get(action)
    return known or action.replace(".", " ").replace("_", " ").capitalize()


def readable_details(details: dict) -> list[tuple[str, str]]:
    """Each detail as (name, text): lists joined, booleans as yes/no, ids shortened."""
    shown = []
    for key, value in (details or {}).items():
        if isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value) or "none"
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, dict):
            text = ", ".join(f"{k} {v}" for k, v in value.items())
        else:
            text = "" if value is None else str(value)
        shown.append((DETAIL_LABELS.get(key, key.replace("_", " ")), text))
    return shown


@portal_page(MANAGE)
def audit_log(request: HttpRequest) -> HttpResponse:
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
