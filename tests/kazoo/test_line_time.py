"""PUT /v2/accounts/{id}/faxes refuses a page that would hold a fax line too long with
Kazoo's validation error, naming the page."""

from __future__ import annotations

import pytest

from faxes.models import Fax
from tests.factories import noise_fax_tiff

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_page_too_long_to_send_is_a_kazoo_validation_error(kazoo_login, acme):
    response = kazoo_login.client.put(
        f"/v2/accounts/{acme.account.pk}/faxes?to_number=%2B12025550120&from_number=%2B12025550140",
        noise_fax_tiff(),
        content_type="image/tiff",
        **kazoo_login.headers(),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == "error" and body["message"] == "validation error"
    message = body["data"]["document"]["invalid"]["message"]
    assert message.startswith("Page 1 (page 1 of “document”) would take about 9 minutes")
    assert not Fax.objects.exists()
