"""Inbox and outbox: filtered, keyset-paginated lists that refresh themselves.

The table body polls the same URL with ``partial=rows`` and a fingerprint of
what it shows; the server answers 204 (nothing to swap) while the page is
unchanged, and the new rows once a fax arrives or changes status.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from faxes.forms import STATUS_GROUPS, InboxFilterForm, ListFilterForm, OutboxFilterForm, day_range
from faxes.lifecycle import FINAL
from faxes.models import Direction, Fax, FaxStatus
from faxes.phone import normalize_e164
from faxes.services.contacts import contact_names, numbers_named, with_contact_name
from faxes.services.reading import newest_unread, unread_only, with_read_state
from faxes.services.submit import files_named
from faxes.views.common import PortalRequest, account_faxboxes, account_faxes, portal_page
from faxes.views.paging import seek


def _fingerprint(rows: list[Fax]) -> str:
    digest = hashlib.sha256()
    for fax in rows:
        digest.update(
            f"{fax.pk}:{fax.status}:{getattr(fax, 'is_read', '')}:{fax.pages}:"
            f"{fax.attempt_count}|".encode()
        )
    return digest.hexdigest()[:20]


def _search(faxes: QuerySet[Fax], text: str, account) -> QuerySet[Fax]:
    digits = re.sub(r"\D", "", text)
    named = numbers_named(account, text)
    match = (
        Q(subject__icontains=text)
        | Q(from_name__icontains=text)
        | Q(to_name__icontains=text)
        | Q(remote_station_id__icontains=text)
        | Q(pk__startswith=text.lower())
        # Who it is from or to, by the address book's name for the number.
        | Q(direction=Direction.INBOUND, from_number__in=named)
        | Q(direction=Direction.OUTBOUND, to_number__in=named)
        # The file names of what was uploaded to send.
        | Q(source__in=files_named(account, text))
    )
    if len(digits) >= 3:
        match |= Q(from_number__contains=digits) | Q(to_number__contains=digits)
    return faxes.filter(match)


def _valid_filters(form: ListFilterForm) -> dict:
    """The filters that are valid (a bad date is reported and ignored, not fatal)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _common_filters(faxes: QuerySet[Fax], data: dict, account) -> QuerySet[Fax]:
    if data.get("faxbox"):
        faxes = faxes.filter(faxbox_id=data["faxbox"])
    start, end = day_range(data.get("date_from"), data.get("date_to"))
    if start:
        faxes = faxes.filter(created_at__gte=start)
    if end:
        faxes = faxes.filter(created_at__lt=end)
    if data.get("q"):
        faxes = _search(faxes, data["q"].strip(), account)
    return faxes


def _list_page(
    request: PortalRequest,
    *,
    faxes: QuerySet[Fax],
    form: ListFilterForm,
    template: str,
    rows_template: str,
    extra: dict,
) -> HttpResponse:
    page = seek(
        faxes.select_related("faxbox"),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=settings.FAXPORTAL_UI_PAGE_SIZE,
    )
    state = _fingerprint(page.rows)
    busy = any(fax.status not in FINAL for fax in page.rows)
    context = {
        "form": form,
        "page": page,
        "state": state,
        # Faster while something on screen is still moving.
        "poll_seconds": min(2, settings.FAXPORTAL_UI_POLL_SECONDS)
        if busy
        else settings.FAXPORTAL_UI_POLL_SECONDS,
        "filtered": any(form.cleaned_data.values()) if form.is_bound else False,
        **extra,
    }
    if request.GET.get("partial") == "rows":
        if request.GET.get("state") == state:
            return HttpResponse(status=204)  # htmx swaps nothing
        return render(request, rows_template, context)
    return render(request, template, context, status=400 if form.errors else 200)


@portal_page()
def inbox(request: PortalRequest) -> HttpResponse:
    faxboxes = list(account_faxboxes(request))
    form = InboxFilterForm(request.GET or None, faxboxes=faxboxes)
    data = _valid_filters(form)
    faxes: QuerySet[Fax] = (
        account_faxes(request)
        .inbound()
        .filter(status__in=[FaxStatus.RECEIVED, FaxStatus.RECEIVING])
    )
    faxes = _common_filters(faxes, data, request.account)
    sender = (data.get("sender") or "").strip()
    if sender:
        try:
            faxes = faxes.filter(from_number=normalize_e164(sender))
        except ValidationError:
            faxes = faxes.filter(from_number__contains=re.sub(r"\D", "", sender) or sender)
    if data.get("unread"):
        faxes = unread_only(faxes, request.user)
    faxes = with_read_state(faxes, request.user)
    faxes = with_contact_name(faxes, request.account, "from_number")
    return _list_page(
        request,
        faxes=faxes,
        form=form,
        template="faxes/inbox.html",
        rows_template="faxes/_inbox_list.html",
        extra={"faxboxes": faxboxes, "nav": "inbox"},
    )


@portal_page()
def outbox(request: PortalRequest) -> HttpResponse:
    faxboxes = list(account_faxboxes(request))
    form = OutboxFilterForm(request.GET or None, faxboxes=faxboxes)
    data = _valid_filters(form)
    faxes = _common_filters(account_faxes(request).outbound(), data, request.account)
    statuses = STATUS_GROUPS.get(data.get("status") or "", (None, None))[1]
    if statuses:
        faxes = faxes.filter(status__in=statuses)
    faxes = with_contact_name(faxes, request.account, "to_number")
    return _list_page(
        request,
        faxes=faxes,
        form=form,
        template="faxes/outbox.html",
        rows_template="faxes/_outbox_list.html",
        extra={"faxboxes": faxboxes, "nav": "outbox"},
    )


@portal_page()
def unread(request: PortalRequest) -> JsonResponse:
    """The unread count for the title and the sidebar, and the newest unread fax (for
    a desktop notification); polled by every page."""
    count, newest = newest_unread(request.account, request.user)
    payload: dict[str, Any] = {"unread": count, "newest": None}
    if newest is not None:
        name = contact_names(request.account, [newest]).get(newest.from_number, "")
        payload["newest"] = {
            "id": newest.pk,
            "from": name or newest.from_number or "an unknown sender",
            "pages": newest.pages,
            "url": reverse("fax-detail", args=[newest.pk]),
        }
    response = JsonResponse(payload)
    response["Cache-Control"] = "no-store"
    return response
