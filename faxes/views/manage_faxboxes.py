"""Account admin: faxboxes (numbers, caller id, header, time zone, retries, e-mails)."""

from __future__ import annotations

import importlib.util

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from accounts.tenancy import get_for_account_or_404
from faxes.forms import FaxboxForm, RetentionForm
from faxes.models import Faxbox
from faxes.services import form_keys
from faxes.services.faxboxes import KEEP, FaxboxSettings, save_faxbox
from faxes.services.retention import effective_retention_days, set_account_retention
from faxes.services.smtp_log import logs_for
from faxes.views.common import (
    MANAGE,
    PortalRequest,
    account_faxboxes,
    add_service_errors,
    audit,
    portal_page,
    require,
)

# How many of the newest e-mails the faxbox page lists (the full log: Kazoo smtplog, admin).
SMTP_LOG_ROWS = 25


def email_gateway_exists() -> bool:
    """The e-mail-to-fax address is shown only where a gateway would accept mail for it."""
    return importlib.util.find_spec("faxes.smtp") is not None


def _faxbox_or_404(request: PortalRequest, faxbox_id: str) -> Faxbox:
    live = Faxbox.objects.live()
    return get_for_account_or_404(live, request.account, pk=faxbox_id)


@portal_page(MANAGE)
def faxbox_list(request: PortalRequest) -> HttpResponse:
    return _list_page(request, RetentionForm(initial=_retention_initial(request)))


def _retention_initial(request: PortalRequest) -> dict:
    return {"retention_days": request.account.retention_days}


def _list_page(request: PortalRequest, retention_form: RetentionForm) -> HttpResponse:
    faxboxes = account_faxboxes(request).prefetch_related("numbers")
    context = {
        "faxboxes": faxboxes,
        "nav": "faxboxes",
        "email_gateway": email_gateway_exists(),
        "retention_form": retention_form,
        "account_retention": effective_retention_days(request.account),
        "account_inherits": request.account.retention_days is None,
    }
    status = 400 if retention_form.errors else 200
    return render(request, "manage/faxboxes.html", context, status=status)


@require_POST
@portal_page(MANAGE)
def account_retention(request: PortalRequest) -> HttpResponse:
    """The account's file retention (faxboxes without their own follow it)."""
    form = RetentionForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form)
    days = form.cleaned_data["retention_days"]
    set_account_retention(request.account, days)
    audit(request, "account.retention_changed", retention_days=days)
    if days is None:
        messages.success(request, gettext("Fax files now follow the portal's retention."))
    elif days == 0:
        messages.success(request, gettext("Fax files are kept until someone purges them."))
    else:
        text = ngettext(
            "Fax files are purged %(days)s day after the fax.",
            "Fax files are purged %(days)s days after the fax.",
            days,
        )
        messages.success(request, text % {"days": days})
    return redirect("manage-faxboxes")


def _initial(faxbox: Faxbox | None, request: PortalRequest) -> dict:
    if faxbox is None:
        return {
            "fax_timezone": request.account.timezone,
            "retries": 3,
            "fax_header": request.account.name[:64],
        }
    return {
        "name": faxbox.name,
        "numbers": "\n".join(n.number for n in faxbox.numbers.all()),
        "caller_id": faxbox.caller_id,
        "caller_name": faxbox.caller_name,
        "fax_header": faxbox.fax_header,
        "fax_identity": faxbox.fax_identity,
        "fax_timezone": faxbox.fax_timezone,
        "paper_size": faxbox.paper_size,
        "mail_body": faxbox.mail_body,
        "retries": faxbox.max_attempts,
        "retention_days": faxbox.retention_days,
        "notify_inbound_emails": "\n".join(faxbox.notify_inbound_emails or []),
        "notify_outbound_emails": "\n".join(faxbox.notify_outbound_emails or []),
    }


def _edit(request: PortalRequest, faxbox: Faxbox | None) -> HttpResponse:
    form = FaxboxForm(request.POST or None, initial=_initial(faxbox, request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = FaxboxSettings(
            name=data["name"],
            numbers=data["numbers"],
            caller_id=data["caller_id"],
            caller_name=data["caller_name"],
            fax_header=data["fax_header"],
            fax_identity=data["fax_identity"],
            fax_timezone=data["fax_timezone"],
            paper_size=data["paper_size"],
            mail_body=data["mail_body"] or KEEP,  # left out: as it is (new: a cover page)
            max_attempts=data["retries"],
            retention_days=data["retention_days"],
            notify_inbound_emails=data["notify_inbound_emails"],
            notify_outbound_emails=data["notify_outbound_emails"],
        )
        editing = faxbox

        def save() -> str:
            saved = save_faxbox(request.account, values, editing)
            audit(
                request,
                "faxbox.updated" if editing else "faxbox.created",
                faxbox=saved.pk,
                name=saved.name,
            )
            messages.success(request, gettext("Saved faxbox %(name)s.") % {"name": saved.name})
            return reverse("manage-faxboxes")

        try:
            if editing is not None:  # saving the same values twice changes nothing
                url = save()
            else:
                url, _ = form_keys.once(
                    account=request.account,
                    user=request.user,
                    key=request.POST.get(form_keys.FIELD, ""),
                    create=save,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(url)
    return render(
        request,
        "manage/faxbox_form.html",
        {
            "form": form,
            "faxbox": faxbox,
            "nav": "faxboxes",
            "email_gateway": email_gateway_exists(),
            "smtp_log": _smtp_log(request, faxbox),
            "smtp_log_rows": SMTP_LOG_ROWS,
        },
        status=400 if form.errors else 200,
    )


def _smtp_log(request: PortalRequest, faxbox: Faxbox | None) -> list:
    """The faxbox's newest e-mails (accepted and refused); the page is for managers only."""
    if faxbox is None:
        return []
    return list(logs_for(request.account, faxbox=faxbox)[:SMTP_LOG_ROWS])


@portal_page(MANAGE)
def faxbox_create(request: PortalRequest) -> HttpResponse:
    return _edit(request, None)


@portal_page()
def faxbox_edit(request: PortalRequest, faxbox_id: str) -> HttpResponse:
    faxbox = _faxbox_or_404(request, faxbox_id)
    require(request, MANAGE)
    return _edit(request, faxbox)
