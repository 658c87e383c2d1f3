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

# The actions this UI and the engine write (the filter's choices).
KNOWN_ACTIONS = [
    "fax.viewed",
    "fax.page_viewed",
    "fax.thumbnail_viewed",
    "fax.downloaded",
    "fax.sent",
    "fax.received",
    "fax.forwarded",
    "fax.cancelled",
    "fax.resubmitted",
    "fax.deleted",
    "fax.attachment_purged",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "faxbox.created",
    "faxbox.updated",
    "user.created",
    "user.role_changed",
    "user.enabled",
    "user.disabled",
    "token.created",
    "token.revoked",
    "webhook.created",
    "webhook.enabled",
    "webhook.disabled",
]


@portal_page(MANAGE)
def audit_log(request: HttpRequest) -> HttpResponse:
    users = list(User.objects.filter(account_id=request.account.pk).order_by("username"))
    form = AuditFilterForm(request.GET or None, actions=KNOWN_ACTIONS, users=users)
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
    return render(
        request,
        "manage/audit.html",
        {"form": form, "page": page, "nav": "audit"},
        status=400 if form.errors else 200,
    )
