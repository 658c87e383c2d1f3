"""What a fax says about its sender: per-fax header text, station id and time zone
(Kazoo's fax_identity_* keys), and no caller-ID spoofing between tenants."""

from __future__ import annotations

import pytest

from faxes.documents import header as header_module
from faxes.models import Direction, Fax
from tests.factories import FaxNumberFactory
from tests.kazoo.conftest import Kazoo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def drawn_headers(monkeypatch):
    """The header lines really drawn on the fax pages while the engine renders them."""
    seen: list[str] = []
    real = header_module.header_parts

    def spy(header, page, total):
        left, right = real(header, page, total)
        seen.append(f"{left} | {right}")
        return left, right

    monkeypatch.setattr(header_module, "header_parts", spy)
    return seen


def send(client, path, data, pdf_site):
    payload = {"to_number": "+12025550120", "document": {"url": f"{pdf_site}/a.pdf"}, **data}
    status, body = client.json("PUT", path, payload)
    assert status == 201, body
    return body["data"], Fax.objects.get(pk=body["data"]["id"])


def received_by(faxbox) -> Fax:
    return Fax.objects.get(direction=Direction.INBOUND, faxbox=faxbox)


def test_fax_identity_keys_set_header_and_tsi_and_are_echoed(
    kazoo_login, acme, acme_faxbox, pharmacy, pdf_site, drawn_headers
):
    doc, fax = send(
        kazoo_login, f"/v2/accounts/{acme.account.pk}/faxes",
        {"from_number": "+12025550140", "fax_identity_name": "ACME LAB RESULTS",
         "fax_identity_number": "+12025550140", "fax_timezone": "Asia/Tokyo"},
        pdf_site,
    )  # fmt: skip
    assert doc["fax_identity_name"] == "ACME LAB RESULTS"
    assert doc["fax_identity_number"] == "+12025550140"
    assert doc["fax_timezone"] == "Asia/Tokyo"
    fax.refresh_from_db()
    assert fax.status == "delivered"
    assert drawn_headers and all("ACME LAB RESULTS" in line for line in drawn_headers)
    assert all(" JST " in line and "+12025550140" in line for line in drawn_headers)
    # The TSI the receiving modem heard, and the sender the on-net inbox shows.
    got = received_by(pharmacy)
    assert got.remote_station_id == "+12025550140" and got.from_number == "+12025550140"
    again = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxes/{fax.pk}")[1]["data"]
    assert (
        again["fax_identity_name"] == "ACME LAB RESULTS" and again["fax_timezone"] == "Asia/Tokyo"
    )


def test_timezone_key_wins_and_a_bad_zone_is_400(
    kazoo_login, acme, acme_faxbox, pharmacy, pdf_site
):
    doc, _fax = send(
        kazoo_login, f"/v2/accounts/{acme.account.pk}/faxes",
        {"from_number": "+12025550140", "fax_timezone": "Asia/Tokyo", "timezone": "Europe/Paris"},
        pdf_site,
    )  # fmt: skip
    assert doc["fax_timezone"] == "Europe/Paris"
    status, body = kazoo_login.json(
        "PUT", f"/v2/accounts/{acme.account.pk}/faxes",
        {"to_number": "+12025550120", "from_number": "+12025550140",
         "fax_timezone": "Mars/Olympus", "document": {"url": f"{pdf_site}/a.pdf"}},
    )  # fmt: skip
    assert status == 400 and "fax_timezone" in body["data"], body


def test_faxbox_faxes_carry_the_copied_identity_keys(
    kazoo_login, acme, acme_faxbox, pharmacy, pdf_site, drawn_headers
):
    acme_faxbox.fax_header = "ACME FRONT DESK"
    acme_faxbox.fax_identity = "ACME CLINIC"
    acme_faxbox.fax_timezone = "America/Chicago"
    acme_faxbox.save()
    doc, fax = send(
        kazoo_login, f"/v2/accounts/{acme.account.pk}/faxboxes/{acme_faxbox.pk}/faxes", {},
        pdf_site,
    )  # fmt: skip
    # cb_faxes copies fax_header, caller_id, fax_identity and the time zone into the job.
    assert doc["fax_identity_name"] == "ACME FRONT DESK"
    assert doc["fax_identity_number"] == "ACME CLINIC"
    assert doc["from_number"] == "+12025550140" and doc["fax_timezone"] == "America/Chicago"
    assert doc["faxbox_id"] == acme_faxbox.pk
    assert drawn_headers and all(
        "ACME FRONT DESK" in line and (" CST " in line or " CDT " in line) for line in drawn_headers
    )
    assert received_by(pharmacy).remote_station_id == "ACME CLINIC"
    # The job keeps its copy: a later faxbox change does not rewrite it.
    acme_faxbox.fax_header = "RENAMED"
    acme_faxbox.save()
    job = kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxes/{fax.pk}")[1]["data"]
    assert job["fax_identity_name"] == "ACME FRONT DESK"


def test_no_caller_id_spoofing_between_tenants(
    kazoo_login, acme, acme_faxbox, other, pharmacy, pdf_site, drawn_headers
):
    # Account "other" owns +12025550160; acme claims it as from_number and as TSI.
    FaxNumberFactory(faxbox=other.account.faxboxes.first(), number="+12025550160")
    doc, fax = send(
        kazoo_login, f"/v2/accounts/{acme.account.pk}/faxes",
        {"from_number": "+12025550160", "fax_identity_number": "+1 202 555 0160",
         "fax_identity_name": "OTHER PHARMACY"},
        pdf_site,
    )  # fmt: skip
    # Kazoo keeps from_number as sent, and so does the document...
    assert doc["from_number"] == "+12025550160"
    assert kazoo_login.json("GET", f"/v2/accounts/{acme.account.pk}/faxes/{fax.pk}")[1][
        "data"]["from_number"] == "+12025550160"  # fmt: skip
    fax.refresh_from_db()
    assert fax.status == "delivered" and fax.from_number == "+12025550160"
    # ...but what went on the line is acme's own faxbox number.
    assert fax.sent_caller_id == "+12025550140" and fax.sent_station_id == "+12025550140"
    got = received_by(pharmacy)
    assert got.from_number == "+12025550140" and got.remote_station_id == "+12025550140"
    assert all("+12025550160" not in line and "+12025550140" in line for line in drawn_headers)
    # The receiving tenant's own API shows acme's number as the sender.
    from accounts.kazoo_auth import regenerate_api_key

    key = regenerate_api_key(pharmacy.account)
    token = Kazoo().json("PUT", "/v2/api_auth", {"api_key": key})[1]["auth_token"]
    inbox = Kazoo(token).json("GET", f"/v2/accounts/{pharmacy.account.pk}/faxes/inbox")[1]["data"]
    assert [row["from_number"] for row in inbox] == ["+12025550140"]
    assert [row["rx_result"]["remote_station_id"] for row in inbox] == ["+12025550140"]


def test_an_unowned_number_is_replaced_and_an_owned_one_is_kept(
    kazoo_login, acme, acme_faxbox, pharmacy, pdf_site
):
    FaxNumberFactory(faxbox=acme_faxbox, number="+12025550141")
    _doc, fax = send(
        kazoo_login, f"/v2/accounts/{acme.account.pk}/faxes", {"from_number": "+12025550141"},
        pdf_site,
    )  # fmt: skip
    fax.refresh_from_db()
    assert fax.sent_caller_id == "+12025550141"  # a second number of its own: allowed
    assert received_by(pharmacy).from_number == "+12025550141"
    # A number nobody here owns (someone else's line elsewhere) is not transmitted either.
    _doc, fax = send(
        kazoo_login, f"/v2/accounts/{acme.account.pk}/faxes",
        {"from_number": "+13125550199", "to_number": "+12025550120"}, pdf_site,
    )  # fmt: skip
    fax.refresh_from_db()
    assert fax.from_number == "+13125550199" and fax.sent_caller_id == "+12025550140"


def test_a_faxbox_caller_id_of_another_tenants_number_is_not_transmitted(
    acme, other, pharmacy, pdf_site
):
    from faxes.services import submit_fax
    from faxes.services.submit import UrlDocument

    # A faxbox can be given any caller ID through the APIs; another tenant's number is
    # still never sent. With no number of its own, the fax goes out without a caller ID.
    FaxNumberFactory(faxbox=other.account.faxboxes.first(), number="+12025550160")
    faxbox = acme.account.faxboxes.first()
    faxbox.caller_id = "+12025550160"
    faxbox.save()
    fax = submit_fax(account=acme.account, faxbox=faxbox, recipients=["+12025550120"],
                     documents=[UrlDocument(f"{pdf_site}/a.pdf")]).faxes[0]  # fmt: skip
    fax.refresh_from_db()
    assert fax.status == "delivered" and fax.from_number == "+12025550160"
    assert fax.sent_caller_id == ""
    assert received_by(pharmacy).from_number == ""
