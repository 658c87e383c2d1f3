"""The attempt records how the pages were coded on the line, through the software modem:
T.6 (MMR) to a receiver offering ECM and T.6 (every faxbox of this portal), MR to one
without ECM, MH to one that takes MH only; shown in the UI and /api/v1."""

from __future__ import annotations

import pytest

from faxes import services
from faxes.carriers.loopback import transport as loopback
from faxes.models import Fax, FaxStatus
from tests.conftest import session_client, token_client
from tests.factories import UserFactory, text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def send(faxbox, to: str) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to],
        documents=[services.UploadedFile(text_pdf(1), "doc.pdf")],
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


@pytest.mark.parametrize(
    ("to", "ecm", "coding", "label"),
    [
        ("+12025550120", True, "mmr", "T.6 (MMR)"),
        (loopback.RECEIVER_WITHOUT_ECM, False, "mr", "T.4 2-D (MR)"),
        (loopback.RECEIVER_MH_ONLY, True, "mh", "T.4 1-D (MH)"),
    ],
)
@pytest.mark.parametrize("mode", ["audio", "t38"])
def test_the_attempt_records_the_coding_used(
    clinic, pharmacy, settings, mode, to, ecm, coding, label
):
    settings.FAXPORTAL_LOOPBACK_MODE = mode
    fax = send(clinic, to)
    assert fax.status == FaxStatus.DELIVERED, fax.error_message
    attempt = fax.attempts.get()
    assert attempt.details["modem_tested"] is True
    assert attempt.ecm is ecm and attempt.compression == coding
    if mode == "t38":
        return
    data = token_client(clinic.account).get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert data["attempts"][0]["compression"] == coding
    assert data["attempts"][0]["ecm"] is ecm
    staff = UserFactory(account=clinic.account, role="admin")
    page = session_client(staff).get(f"/faxes/{fax.pk}/").content.decode()
    assert f"<dt>Compression</dt><dd>{label}</dd>" in page


def test_on_net_reception_says_how_it_was_coded(clinic, pharmacy):
    send(clinic, "+12025550120")
    inbound = Fax.objects.get(direction="inbound")
    assert inbound.rx_result["compression"] == "mmr" and inbound.rx_result["ecm_used"] is True


def test_an_attempt_without_a_page_has_no_coding(clinic):
    fax = send(clinic, loopback.BUSY)
    assert fax.attempts.get().compression == ""
    data = token_client(clinic.account).get(f"/api/v1/faxes/sent/{fax.pk}").json()["data"]
    assert data["attempts"][0]["compression"] is None
