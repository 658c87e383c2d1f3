"""The account's address book: everyone reads it, senders (staff, admins) edit it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from accounts.tenancy import get_for_account_or_404
from faxes.forms import ContactForm
from faxes.models import Contact
from faxes.services import contacts as address_book
from faxes.services import form_keys
from faxes.views.common import SEND, PortalRequest, add_service_errors, audit, portal_page, require

LIST_LIMIT = 500


def _contact_or_404(request: PortalRequest, contact_id: str) -> Contact:
    return get_for_account_or_404(Contact, request.account, pk=contact_id)


@portal_page()
def contact_list(request: PortalRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    contacts = address_book.search_contacts(request.account, query, limit=LIST_LIMIT)
    return render(
        request, "faxes/contacts.html", {"contacts": contacts, "q": query, "nav": "contacts"}
    )


@portal_page()
def suggest(request: PortalRequest) -> HttpResponse:
    """Autocomplete for the send page's recipient field."""
    query = request.GET.get("contact", "").strip()
    contacts = address_book.search_contacts(request.account, query) if query else []
    return render(request, "faxes/_contact_suggestions.html", {"contacts": contacts, "q": query})


def _save(request: PortalRequest, contact: Contact | None) -> HttpResponse:
    initial = None
    if contact is not None:
        initial = {f: getattr(contact, f) for f in ("name", "fax_number", "organization", "notes")}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        editing = contact

        def save() -> str:
            if editing is None:
                saved = address_book.create_contact(request.account, **form.cleaned_data)
                audit(request, "contact.created", contact=saved.pk, number=saved.fax_number)
            else:
                saved = address_book.update_contact(editing, **form.cleaned_data) or editing
                audit(request, "contact.updated", contact=saved.pk, number=saved.fax_number)
            messages.success(request, gettext("Saved %(name)s.") % {"name": saved.name})
            return reverse("contacts")

        try:
            if editing is not None:
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
    status = 400 if form.errors else 200
    return render(
        request,
        "faxes/contact_form.html",
        {"form": form, "contact": contact, "nav": "contacts"},
        status=status,
    )


@portal_page(SEND)
def contact_create(request: PortalRequest) -> HttpResponse:
    return _save(request, None)


@portal_page()
def contact_edit(request: PortalRequest, contact_id: str) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    require(request, SEND)
    return _save(request, contact)


@portal_page()
def contact_delete(request: PortalRequest, contact_id: str) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    require(request, SEND)
    if request.method != "POST":
        return render(request, "faxes/contact_delete.html", {"contact": contact, "nav": "contacts"})
    address_book.delete_contact(contact)
    audit(request, "contact.deleted", contact=contact_id, number=contact.fax_number)
    messages.success(request, gettext("Deleted %(name)s.") % {"name": contact.name})
    return redirect("contacts")
