"""Django admin stays complete for support staff: the UI's models are there too, and audit
events are read only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from faxes.models import AuditEvent, Contact, FaxRead

pytestmark = pytest.mark.django_db


def test_contacts_and_read_marks_are_in_django_admin(acme, inbound_fax):
    Contact.objects.create(account=acme.account, name="City Lab", fax_number="+12025550177")
    FaxRead.objects.create(fax=inbound_fax, user=acme.viewer, account=acme.account)
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    for model in ("contact", "faxread"):
        url = reverse(f"admin:faxes_{model}_changelist")
        assert client.get(url).status_code == 200
        assert client.get(url, {"q": "acme"}).status_code == 200
        assert "Acme Clinic" in client.get(url).content.decode()


def test_audit_events_are_read_only_in_django_admin(acme, inbound_fax):
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    event = AuditEvent.objects.get(action="fax.received")
    assert client.get(reverse("admin:faxes_auditevent_add")).status_code == 403
    change = client.post(reverse("admin:faxes_auditevent_change", args=[event.pk]), {"action": "x"})
    assert change.status_code in (302, 403) and AuditEvent.objects.get(pk=event.pk).action != "x"
    client.post(reverse("admin:faxes_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    listing = client.get(reverse("admin:faxes_auditevent_changelist")).content.decode()
    assert "action-select" not in listing  # no bulk delete either
