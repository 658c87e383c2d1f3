"""Every page renders for each role that may see it (template errors show up here)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_renders_for_an_admin(alice_client, inbound_fax, outbound_fax):
    pages = [
        reverse("inbox"),
        reverse("outbox"),
        reverse("send"),
        reverse("contacts"),
        reverse("contact-create"),
        reverse("fax-detail", args=[inbound_fax.pk]),
        reverse("fax-detail", args=[outbound_fax.pk]),
        reverse("manage-faxboxes"),
        reverse("manage-faxbox-create"),
        reverse("manage-users"),
        reverse("manage-tokens"),
        reverse("manage-webhooks"),
        reverse("manage-audit"),
        reverse("manage-faxbox-edit", args=[inbound_fax.faxbox_id]),
        reverse("fax-delete", args=[inbound_fax.pk]),
        reverse("fax-purge", args=[inbound_fax.pk]),
    ]
    for url in pages:
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert b"<main" in response.content, url
