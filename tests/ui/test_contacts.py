"""The address book: senders edit it, viewers read it, other tenants never see it; lists,
the fax page and search show its names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faxes.models import AuditEvent, Contact, Fax
from tests.ui.conftest import login, received
from tests.ui.test_send import form, pdf

pytestmark = pytest.mark.django_db


def test_staff_adds_edits_and_deletes_a_contact(acme, staff, acme_box):
    client = login(staff)
    response = client.post(
        reverse("contact-create"), {"name": "City Lab", "fax_number": "(202) 555-0177"}
    )
    assert response["Location"] == reverse("contacts")
    contact = Contact.objects.get()
    assert contact.fax_number == "+12025550177" and contact.account == acme.account
    client.post(
        reverse("contact-edit", args=[contact.pk]),
        {"name": "City Lab (night)", "fax_number": "+12025550178", "notes": "after 6"},
    )
    contact.refresh_from_db()
    assert contact.name == "City Lab (night)" and contact.notes == "after 6"
    page = client.get(reverse("contacts"), {"q": "night"}).content.decode()
    assert "City Lab (night)" in page and "+1 202-555-0178" in page
    assert client.get(reverse("contact-delete", args=[contact.pk])).status_code == 200
    client.post(reverse("contact-delete", args=[contact.pk]))
    assert not Contact.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "contact.created",
        "contact.updated",
        "contact.deleted",
    ]


def test_bad_and_duplicate_entries_are_refused_beside_the_field(acme, staff):
    client = login(staff)
    bad = client.post(reverse("contact-create"), {"name": "X", "fax_number": "555"})
    assert bad.status_code == 400 and "not a valid phone number" in bad.content.decode()
    client.post(reverse("contact-create"), {"name": "Lab", "fax_number": "+12025550177"})
    again = client.post(reverse("contact-create"), {"name": "Lab", "fax_number": "2025550177"})
    assert again.status_code == 400 and "already in the address book" in again.content.decode()
    assert Contact.objects.count() == 1


def test_viewer_reads_but_does_not_edit(acme, acme_box):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550177")
    client = login(acme.viewer)
    page = client.get(reverse("contacts")).content.decode()
    assert "City Lab" in page and "Add contact" not in page and ">Edit<" not in page
    assert (
        client.post(
            reverse("contact-create"), {"name": "A", "fax_number": "+12025550177"}
        ).status_code
        == 403
    )


def test_other_tenant_never_sees_the_address_book(acme, charlie):
    contact = Contact.objects.create(account=acme.account, name="Lab", fax_number="+12025550177")
    client = login(charlie)
    assert "Lab" not in client.get(reverse("contacts")).content.decode()
    assert client.get(reverse("contact-edit", args=[contact.pk])).status_code == 404
    assert client.post(reverse("contact-delete", args=[contact.pk])).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_lists_and_detail_show_contact_names_and_search_finds_them(acme, acme_box, staff):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550199")
    Contact.objects.create(account=acme.account, name="Main Pharmacy", fax_number="+12025550120")
    inbound = received(acme_box, sender="+12025550199")
    other = received(acme_box, sender="+12025550111")
    client = login(staff)
    client.post(reverse("send"), form(acme_box, documents=[pdf("referral-jones.pdf")]))
    sent = Fax.objects.get(direction="outbound")
    inbox = client.get(reverse("inbox")).content.decode()
    assert "City Lab" in inbox
    assert "Main Pharmacy" in client.get(reverse("outbox")).content.decode()
    assert (
        "Fax from City Lab" in client.get(reverse("fax-detail", args=[inbound.pk])).content.decode()
    )
    found = client.get(reverse("inbox"), {"q": "city"}).content.decode()
    assert inbound.pk in found and other.pk not in found
    by_name = client.get(reverse("outbox"), {"q": "pharmacy"}).content.decode()
    assert sent.pk in by_name
    by_file = client.get(reverse("outbox"), {"q": "referral-jones"}).content.decode()
    assert sent.pk in by_file
    assert sent.pk not in client.get(reverse("outbox"), {"q": "nothing-like-it"}).content.decode()
