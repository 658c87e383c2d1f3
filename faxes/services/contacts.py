"""The account's fax address book."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from accounts.models import Account
from faxes.models import Contact
from faxes.phone import normalize_e164

SUGGESTION_LIMIT = 8


def _clean(
    account: Account,
    *,
    name: str,
    fax_number: str,
    organization: str,
    notes: str,
    contact: Contact | None,
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [gettext("A name is required.")]
    number = ""
    try:
        number = normalize_e164(fax_number)
    except ValidationError as exc:
        errors["fax_number"] = exc.messages
    if name and number:
        same = Contact.objects.for_account(account).filter(name=name, fax_number=number)
        if contact is not None:
            same = same.exclude(pk=contact.pk)
        if same.exists():
            errors["name"] = [
                gettext("%(name)s <%(number)s> is already in the address book.")
                % {"name": name, "number": number}
            ]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:128],
        "fax_number": number,
        "organization": organization.strip()[:128],
        "notes": notes.strip()[:500],
    }


def create_contact(
    account: Account, *, name: str, fax_number: str, organization: str = "", notes: str = ""
) -> Contact:
    values = _clean(
        account,
        name=name,
        fax_number=fax_number,
        organization=organization,
        notes=notes,
        contact=None,
    )
    return Contact.objects.create(account=account, **values)


def update_contact(
    contact: Contact, *, name: str, fax_number: str, organization: str = "", notes: str = ""
) -> Contact:
    values = _clean(
        contact.account,
        name=name,
        fax_number=fax_number,
        organization=organization,
        notes=notes,
        contact=contact,
    )
    for field, value in values.items():
        setattr(contact, field, value)
    contact.save()
    return contact


def delete_contact(contact: Contact) -> None:
    contact.delete()


def search_contacts(
    account: Account, query: str, limit: int = SUGGESTION_LIMIT
) -> QuerySet[Contact]:
    """Contacts whose name, organisation or number contains ``query`` (for autocomplete)."""
    contacts = Contact.objects.for_account(account)
    query = query.strip()
    if query:
        digits = "".join(c for c in query if c.isdigit())
        match = Q(name__icontains=query) | Q(organization__icontains=query)
        if digits:
            match |= Q(fax_number__contains=digits)
        contacts = contacts.filter(match)
    return contacts.order_by("name", "fax_number")[:limit]


def contact_names(account: Account, faxes) -> dict[str, str]:
    """Number → the address book's name for it, for the other party of each fax
    (one query; a number saved under several names shows the first by name)."""
    numbers = {fax.to_number if fax.direction == "outbound" else fax.from_number for fax in faxes}
    numbers.discard("")
    names: dict[str, str] = {}
    if not numbers:
        return names
    rows = (
        Contact.objects.for_account(account)
        .filter(fax_number__in=numbers)
        .order_by("name")
        .values_list("fax_number", "name")
    )
    for number, name in rows:
        names.setdefault(number, name)
    return names


def numbers_named(account: Account, text: str) -> QuerySet[Contact, Mapping[str, object]]:
    """The fax numbers of the contacts whose name or organisation contains ``text``
    (a subquery, for finding faxes by who they are from or to)."""
    match = Q(name__icontains=text) | Q(organization__icontains=text)
    return Contact.objects.for_account(account).filter(match).values("fax_number")


def with_contact_name(faxes: QuerySet, account: Account, number_field: str) -> QuerySet:
    """Annotate ``contact_name``: the address book's name for ``number_field`` (in the
    same query as the list, so a page costs no extra query)."""
    names = (
        Contact.objects.for_account(account)
        .filter(fax_number=OuterRef(number_field))
        .order_by("name")
        .values("name")[:1]
    )
    return faxes.annotate(contact_name=Subquery(names))
