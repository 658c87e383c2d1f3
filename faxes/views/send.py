"""Send a fax: faxbox, recipients (checked as you type), files in order, cover page,
resolution, schedule, and a preview of exactly the pages the recipient will get."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_POST

from faxes.documents import DocumentRejected
from faxes.failures import rejection_text
from faxes.forms import SendForm, split_list
from faxes.models import Contact, Faxbox, sender_timezone
from faxes.phone import normalize_e164
from faxes.services import (
    CoverFields,
    IdempotencyKeyReused,
    UploadedFile,
    form_keys,
    submit_fax,
)
from faxes.services.preferences import (
    default_faxbox_id,
    remember_sent_from,
    sending_faxbox,
    set_default_faxbox,
)
from faxes.services.preview import DocumentsRejected, preview_send
from faxes.services.submit import check_not_past, resolve_schedule
from faxes.views.clock import time_format
from faxes.views.common import SEND, PortalRequest, account_faxboxes, audit, portal_page

# Service error keys → the form field they belong beside.
FIELD_OF = {
    "to": "to",
    "faxbox": "faxbox",
    "from": "faxbox",
    "resolution": "resolution",
    "paper_size": "paper_size",
    "retries": "retries",
    "scheduled_at": "scheduled_at",
    "timezone": "timezone",
}


def _form(request: PortalRequest, faxboxes: list[Faxbox]) -> SendForm:
    start = sending_faxbox(request.user, faxboxes)
    initial = {
        "faxbox": request.GET.get("faxbox") or (start.pk if start else ""),
        "to": request.GET.get("to", ""),
        "idempotency_key": form_keys.new_key(),
    }
    zone = sender_timezone(start, request.account)
    return SendForm(request.POST or None, faxboxes=faxboxes, default_timezone=zone, initial=initial)


def schedule_text(sent_at, zone_name: str, account_zone: str) -> str:
    """The time as the sender picked it, and in the account's zone when that differs."""
    picked = zoneinfo.ZoneInfo(zone_name or account_zone)
    written = pgettext("date format", "M j, Y H:i T")
    text = f"{date_filter(sent_at.astimezone(picked), time_format(written))} ({picked.key})"
    if picked.key != account_zone:
        local = sent_at.astimezone(zoneinfo.ZoneInfo(account_zone))
        text += ", " + gettext("%(when)s in %(zone)s") % {
            "when": date_filter(local, time_format(written)),
            "zone": account_zone,
        }
    return text


def _uploads(request: PortalRequest, errors: list[str]) -> list[UploadedFile]:
    limit = settings.FAXPORTAL_MAX_DOCUMENT_BYTES
    documents = []
    for upload in request.FILES.getlist("documents"):
        if (upload.size or 0) > limit:  # set on every upload of a request
            errors.append(
                gettext("%(name)s is larger than %(size)s MB.")
                % {"name": upload.name, "size": limit // (1024 * 1024)}
            )
            continue
        documents.append(UploadedFile(upload.read(), upload.name or "", upload.content_type or ""))
    if not documents and not errors:
        errors.append(gettext("Attach at least one file (PDF, image, Office or text document)."))
    return documents


def _cover(form: SendForm) -> CoverFields | None:
    data = form.cleaned_data
    if not data.get("cover"):
        return None
    return CoverFields(subject=data.get("cover_subject", ""), message=data.get("cover_message", ""))


def _faxbox(form: SendForm, faxboxes: list[Faxbox]) -> Faxbox | None:
    return next((fb for fb in faxboxes if fb.pk == form.cleaned_data.get("faxbox")), None)


def _invalid(
    request: PortalRequest,
    form: SendForm,
    document_errors: list[str],
    *,
    faxboxes: list[Faxbox],
    target: str,
) -> HttpResponse:
    context = {"form": form, "document_errors": document_errors, "target": target}
    if request.htmx or target == "preview":
        # Files stay in the page's file input: only the error slots are swapped.
        return render(request, "faxes/_send_errors.html", context, status=422)
    context.update(nav="send", faxboxes=faxboxes, files_lost=True)
    return render(request, "faxes/send.html", context, status=400)


@portal_page(SEND)
def send(request: PortalRequest) -> HttpResponse:
    faxboxes = list(account_faxboxes(request))
    form = _form(request, faxboxes)
    if request.method != "POST":
        response = render(
            request,
            "faxes/send.html",
            {
                "form": form,
                "nav": "send",
                "faxboxes": faxboxes,
                "default_faxbox": default_faxbox_id(request.user),
            },
        )
        # Going back to the form gets a fresh one (and a fresh idempotency key).
        response["Cache-Control"] = "no-store"
        return response
    document_errors: list[str] = []
    documents = _uploads(request, document_errors)
    if not form.is_valid() or document_errors:
        return _invalid(request, form, document_errors, faxboxes=faxboxes, target="send")
    data = form.cleaned_data
    faxbox = _faxbox(form, faxboxes)
    key = data.get("idempotency_key") or ""
    try:
        result = submit_fax(
            account=request.account,
            recipients=form.recipients,
            documents=documents,
            faxbox=faxbox,
            owner=request.user,
            to_name=data.get("to_name", ""),
            cover=_cover(form),
            resolution=data["resolution"],
            paper_size=data.get("paper_size") or None,
            max_attempts=data.get("retries"),
            scheduled_at=form.naive_schedule,
            timezone_name=data.get("timezone") or None,
            idempotency_key=key if form_keys.is_key(key) else "",
        )
    except ValidationError as exc:
        for name, problems in exc.message_dict.items():
            if name in FIELD_OF:
                form.add_error(FIELD_OF[name], problems)
            else:
                document_errors.extend(problems)
        return _invalid(request, form, document_errors, faxboxes=faxboxes, target="send")
    except IdempotencyKeyReused:
        # This very form was sent before with other recipients or files (a restored
        # page): nothing is sent twice, and a fresh form sends the new fax.
        document_errors.append(
            gettext(
                "This form was already sent with other content. Reload the page to send a new fax."
            )
        )
        return _invalid(request, form, document_errors, faxboxes=faxboxes, target="send")
    if not result.replayed:  # a double click or a resent form sends nothing twice
        for fax in result.faxes:
            audit(request, "fax.sent", fax, to=fax.to_number, pages=fax.pages, status=fax.status)
        remember_sent_from(request.user, faxbox)
        if data.get("make_default"):
            set_default_faxbox(request.user, faxbox)
        numbers = ", ".join(fax.to_number for fax in result.faxes)
        first = result.faxes[0] if result.faxes else None
        if first is not None and first.status == "scheduled" and first.scheduled_at:
            when = schedule_text(
                first.scheduled_at, data.get("timezone") or "", request.account.timezone
            )
            messages.success(
                request,
                gettext("Scheduled to %(numbers)s for %(when)s.")
                % {"numbers": numbers, "when": when},
            )
        else:
            messages.success(request, gettext("Sending to %(numbers)s.") % {"numbers": numbers})
    url = reverse("outbox")
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@portal_page(SEND)
def preview(request: PortalRequest) -> HttpResponse:
    faxboxes = list(account_faxboxes(request))
    form = _form(request, faxboxes)
    document_errors: list[str] = []
    documents = _uploads(request, document_errors)
    valid = form.is_valid()
    numbers = []
    for raw in form.recipients if valid else []:
        try:
            numbers.append(normalize_e164(raw))
        except ValidationError as exc:
            form.add_error("to", exc.messages)
    sent_at = None
    if valid and form.naive_schedule:
        try:
            sent_at = resolve_schedule(form.naive_schedule, form.cleaned_data.get("timezone"))
            check_not_past(sent_at)
        except ValidationError as exc:
            for key, problems in exc.message_dict.items():
                form.add_error(FIELD_OF.get(key, "scheduled_at"), problems)
    if form.errors or document_errors or not numbers:
        return _invalid(request, form, document_errors, faxboxes=faxboxes, target="preview")
    data = form.cleaned_data
    try:
        result = preview_send(
            account=request.account,
            faxbox=_faxbox(form, faxboxes),
            recipient=numbers[0],
            documents=documents,
            cover=_cover(form),
            resolution=data["resolution"],
            paper_size=data.get("paper_size") or "",
            to_name=data.get("to_name", ""),
            sent_at=sent_at,
            max_pages=settings.FAXPORTAL_UI_PREVIEW_PAGES,
        )
    except DocumentsRejected as exc:
        return _invalid(request, form, exc.messages, faxboxes=faxboxes, target="preview")
    except DocumentRejected as exc:
        return _invalid(request, form, [rejection_text(exc)], faxboxes=faxboxes, target="preview")
    context = {
        "form": form,
        "preview": result,
        "numbers": numbers,
        "sent_at": sent_at,
        "sent_at_text": schedule_text(
            sent_at, form.cleaned_data.get("timezone") or "", request.account.timezone
        )
        if sent_at
        else "",
        "document_errors": [],
        "target": "preview",
    }
    return render(request, "faxes/_send_preview.html", context)


@portal_page(SEND)
def check_recipients(request: PortalRequest) -> HttpResponse:
    """Each typed number, normalized or with why not (as-you-type feedback)."""
    entries = []
    for raw in split_list(request.GET.get("to", ""))[:50]:
        try:
            entries.append({"raw": raw, "number": normalize_e164(raw), "error": ""})
        except ValidationError as exc:
            entries.append({"raw": raw, "number": "", "error": " ".join(exc.messages)})
    known = {
        c.fax_number: c.name
        for c in Contact.objects.for_account(request.account).filter(
            fax_number__in=[e["number"] for e in entries if e["number"]]
        )
    }
    for entry in entries:
        entry["contact"] = known.get(entry["number"], "")
    too_many = len(entries) > settings.FAXPORTAL_MAX_RECIPIENTS
    return render(
        request,
        "faxes/_recipients.html",
        {"entries": entries, "too_many": too_many, "limit": settings.FAXPORTAL_MAX_RECIPIENTS},
    )
