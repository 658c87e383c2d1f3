"""One fax: metadata, page previews, attempts and history, and what staff do with it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from faxes import lifecycle
from faxes.forms import ForwardForm
from faxes.models import Direction, Fax, FaxStatus
from faxes.services import cancel_fax, form_keys, forward_fax, purge_attachment, resubmit_fax
from faxes.services.contacts import contact_names
from faxes.services.preferences import default_faxbox_id
from faxes.services.reading import is_read, mark_read, mark_unread
from faxes.services.receipts import RECEIPT_STATUSES, make_receipt, stored_receipt
from faxes.services.retention import delete_fax, files_purge_at
from faxes.services.rotation import rotate_page, rotation_of
from faxes.services.submit import replay
from faxes.views.common import (
    MANAGE,
    SEND,
    PortalRequest,
    account_faxboxes,
    audit,
    confirm_first,
    get_fax_or_404,
    portal_page,
)


def _back(request: PortalRequest, fax: Fax) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("fax-detail", args=[fax.pk])


def _list_of(fax: Fax) -> str:
    return reverse("inbox" if fax.direction == Direction.INBOUND else "outbox")


RESUBMITTABLE = (FaxStatus.FAILED, FaxStatus.CANCELLED)


def _context(request: PortalRequest, fax: Fax, **extra) -> dict:
    outbound = fax.direction == Direction.OUTBOUND
    has_files = bool(fax.document) and fax.attachment_purged_at is None
    pages = range(1, (fax.pages or 0) + 1) if has_files else []
    return {
        "fax": fax,
        "nav": "outbox" if outbound else "inbox",
        "outbound": outbound,
        "final": fax.status in lifecycle.FINAL,
        "cancellable": fax.status in lifecycle.CANCELLABLE,
        "resubmittable": outbound and fax.status in RESUBMITTABLE,
        "has_receipt": outbound and fax.status in (FaxStatus.DELIVERED, FaxStatus.FAILED),
        "has_files": has_files,
        "page_numbers": pages,
        "page_views": [{"number": n, "rotation": rotation_of(fax, n)} for n in pages],
        "contact_name": contact_names(request.account, [fax]).get(
            fax.to_number if outbound else fax.from_number, ""
        ),
        "form_key": form_keys.new_key(),
        "attempts": list(fax.attempts.order_by("number")) if outbound else [],
        "events": list(fax.events.order_by("created_at", "id")),
        "is_read": (not outbound) and is_read(fax, request.user),
        "receipt": stored_receipt(fax) if outbound else None,
        "files_purge_at": files_purge_at(fax),
        **extra,
    }


def _forward_form(request: PortalRequest, fax: Fax, faxboxes) -> ForwardForm:
    start = default_faxbox_id(request.user) or fax.faxbox_id
    return ForwardForm(
        faxboxes=faxboxes,
        initial={"faxbox": start, "idempotency_key": form_keys.new_key()},
    )


@portal_page()
def fax_detail(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id)
    if request.GET.get("partial") == "status":
        # The live status panel of a fax still in flight (not a new view of the document).
        return render(request, "faxes/_fax_status.html", _context(request, fax))
    if fax.direction == Direction.INBOUND:
        mark_read(fax, request.user)
    audit(request, "fax.viewed", fax)
    if fax.direction == Direction.OUTBOUND and fax.status in RECEIPT_STATUSES:
        make_receipt(fax)  # a fax finished before receipts were stored gets its one now
    forward_form = _forward_form(request, fax, account_faxboxes(request))
    return render(request, "faxes/detail.html", _context(request, fax, forward_form=forward_form))


@require_POST
@portal_page()
def rotate(request: PortalRequest, fax_id: str, number: int) -> HttpResponse:
    """Turn one page a quarter for viewing; kept for this fax, for everyone."""
    fax = get_fax_or_404(request, fax_id)
    try:
        turned = rotate_page(fax, number, clockwise=request.POST.get("direction") != "left")
    except ValueError:
        raise Http404("No such page.") from None
    audit(request, "fax.page_rotated", fax, page=number, rotation=turned)
    if request.htmx:
        view = {"number": number, "rotation": turned}
        return render(request, "faxes/_page.html", {"fax": fax, "view": view})
    return redirect(f"{reverse('fax-detail', args=[fax.pk])}#page-{number}")


@require_POST
@portal_page()
def mark(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id)
    if request.POST.get("read") == "0":
        mark_unread(fax, request.user)
        messages.success(request, gettext("Marked as unread."))
        # Staying on the page would mark it read again: go back to the list.
        return redirect(_list_of(fax))
    mark_read(fax, request.user)
    return redirect(_back(request, fax))


@require_POST
@portal_page()
def forward(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id, SEND)
    faxboxes = list(account_faxboxes(request))
    form = ForwardForm(request.POST, faxboxes=faxboxes)
    if form.is_valid():
        sender = next(fb for fb in faxboxes if fb.pk == form.cleaned_data["faxbox"])
        key = form.cleaned_data.get("idempotency_key") or ""
        key = key if form_keys.is_key(key) else ""
        known = bool(key) and replay(request.account, key) is not None
        try:
            copy = forward_fax(
                fax,
                to_number=form.cleaned_data["to"],
                faxbox=sender,
                owner=request.user,
                idempotency_key=key,
            )
        except ValidationError as exc:
            form.add_error("to", exc.messages)
        else:
            if not known:
                audit(request, "fax.forwarded", fax, to=copy.to_number, new_fax=copy.pk)
                messages.success(
                    request, gettext("Forwarding to %(number)s.") % {"number": copy.to_number}
                )
            return redirect("fax-detail", copy.pk)
    return render(
        request, "faxes/detail.html", _context(request, fax, forward_form=form), status=400
    )


@require_POST
@portal_page()
def cancel(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id, SEND)
    back = _back(request, fax)
    ask = confirm_first(
        request,
        title=gettext("Cancel fax"),
        question=gettext("Cancel the fax to %(number)s?") % {"number": fax.to_number},
        consequence=gettext("It will not be sent. You can resubmit it later as a new fax."),
        confirm_label=gettext("Cancel fax"),
        back=back,
        nav="outbox",
        fields={"next": request.POST.get("next", "")},
    )
    if ask is not None:
        return ask
    if cancel_fax(fax, reason=f"cancelled by {request.user.get_username()}"):
        audit(request, "fax.cancelled", fax)
        messages.success(request, gettext("The fax was cancelled."))
    else:
        messages.error(
            request, gettext("Too late to cancel: the fax is already being sent or finished.")
        )
    return redirect(back)


@require_POST
@portal_page()
def resubmit(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id, SEND)
    if fax.status not in RESUBMITTABLE:
        messages.error(request, gettext("Only a failed or cancelled fax can be resubmitted."))
        return redirect(_back(request, fax))

    def create() -> str:
        copy = resubmit_fax(fax, owner=request.user)
        audit(request, "fax.resubmitted", fax, new_fax=copy.pk)
        messages.success(
            request, gettext("Sending again to %(number)s.") % {"number": copy.to_number}
        )
        return reverse("fax-detail", args=[copy.pk])

    try:
        url, _ = form_keys.once(
            account=request.account,
            user=request.user,
            key=request.POST.get(form_keys.FIELD, ""),
            create=create,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request, fax))
    return redirect(url)


def _confirm(request: PortalRequest, fax: Fax, *, action: str) -> HttpResponse:
    return render(
        request,
        "faxes/confirm.html",
        {"fax": fax, "action": action, "nav": "outbox" if fax.direction == "outbound" else "inbox"},
    )


@portal_page()
def delete(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id, MANAGE)
    if request.method != "POST":
        return _confirm(request, fax, action="delete")
    try:
        delete_fax(fax)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("fax-detail", fax.pk)
    audit(request, "fax.deleted", fax)
    messages.success(request, gettext("The fax was deleted."))
    return redirect(_list_of(fax))


@portal_page()
def purge(request: PortalRequest, fax_id: str) -> HttpResponse:
    fax = get_fax_or_404(request, fax_id, MANAGE)
    if request.method != "POST":
        return _confirm(request, fax, action="purge")
    if purge_attachment(fax):
        audit(request, "fax.attachment_purged", fax)
        messages.success(request, gettext("The fax's documents were purged; its record stays."))
    else:
        messages.error(request, gettext("Nothing to purge, or the fax is still being sent."))
    return redirect("fax-detail", fax.pk)
