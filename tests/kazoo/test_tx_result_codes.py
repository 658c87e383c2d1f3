"""Kazoo's tx_result speaks Kazoo: result_code is SIP-style (200, 486 busy, 480 no answer,
404 not in service, …) with FreeSWITCH's result_cause, as Kazoo's fax worker reports them;
the portal's own code and failure name stay in fields of their own."""

from __future__ import annotations

import pytest

from faxes.carriers.loopback import transport as loopback
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base(acme):
    return f"/v2/accounts/{acme.account.pk}"


def _send_and_read(kazoo_login, base, to: str) -> dict:
    response = kazoo_login.client.put(
        f"{base}/faxes?to_number={to.replace('+', '%2B')}&from_number=%2B12025550140",
        text_pdf(1),
        content_type="application/pdf",
        **kazoo_login.headers(),
    )
    assert response.status_code == 201, response.content
    fax_id = response.json()["data"]["id"]
    status, body = kazoo_login.json("GET", f"{base}/faxes/outbox/{fax_id}")
    assert status == 200, body
    return body["data"]


@pytest.mark.parametrize(
    ("number", "sip", "cause", "portal", "name"),
    [
        (loopback.BUSY, 486, "USER_BUSY", 17, "busy"),
        (loopback.NO_ANSWER, 480, "NO_ANSWER", 18, "no_answer"),
    ],
)
def test_call_failures_report_sip_codes_and_keep_the_portal_code(
    kazoo_login, base, number, sip, cause, portal, name
):
    doc = _send_and_read(kazoo_login, base, number)
    assert doc["status"] == "failed"  # retries default to 1 outside a faxbox
    tx = doc["tx_result"]
    assert tx["success"] is False
    assert tx["result_code"] == sip and tx["result_cause"] == cause
    assert tx["portal_result_code"] == portal and tx["portal_failure_code"] == name


def test_a_number_not_in_service_is_404(kazoo_login, base):
    tx = _send_and_read(kazoo_login, base, loopback.NOT_A_FAX)["tx_result"]
    assert tx["success"] is False and tx["result_code"] in (404, 488)
    assert tx["result_cause"] in ("UNALLOCATED_NUMBER", "INCOMPATIBLE_DESTINATION")
    assert tx["portal_result_code"] not in (None, tx["result_code"])


def test_a_delivered_fax_is_200_normal_clearing(kazoo_login, base, pharmacy):
    tx = _send_and_read(kazoo_login, base, "+12025550120")["tx_result"]
    assert tx["success"] is True
    assert tx["result_code"] == 200 and tx["result_cause"] == "NORMAL_CLEARING"
    assert tx["portal_result_code"] == 0 and tx["portal_failure_code"] is None


def test_a_document_that_cannot_be_fetched_is_kazoos_bad_file(kazoo_login, base, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    status, body = kazoo_login.json(
        "PUT",
        f"{base}/faxes",
        {
            # Nothing listens on port 9 of this machine: the fetch is refused at once.
            "document": {"url": "http://127.0.0.1:9/fax.pdf"},
            "from_number": "+12025550140",
            "to_number": "+12025550120",
        },
    )
    assert status == 201, body
    status, body = kazoo_login.json("GET", f"{base}/faxes/outbox/{body['data']['id']}")
    tx = body["data"]["tx_result"]
    assert body["data"]["status"] == "failed"
    # Kazoo's fax worker answers a document it cannot prepare with result_code 0.
    assert tx["result_code"] == 0 and "result_cause" not in tx
    assert tx["portal_failure_code"] == "fetch_unavailable"
    assert tx["result_text"].startswith("could not retrieve file")
