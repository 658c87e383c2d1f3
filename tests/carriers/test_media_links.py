"""The signed media link: one attempt of one fax, while it is being sent, for a limited time."""

from __future__ import annotations

import io
import time
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from pypdf import PdfReader

from faxes import services
from faxes.carriers.media import links as media_links
from faxes.models import AuditEvent, FaxStatus
from faxes.services import retention
from tests.carriers.conftest import BASE_URL, send, signalwire_config

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def path_of(url: str) -> str:
    assert url.startswith(BASE_URL)
    return url.removeprefix(BASE_URL)


@pytest.fixture
def sending(clinic, signalwire):
    signalwire_config(clinic.account, signalwire)
    fax = send(clinic, pages=3)
    assert fax.status == S.SENDING
    return fax, fax.attempts.get()


def test_link_serves_the_rendered_fax_once_per_attempt(sending):
    fax, attempt = sending
    url = media_links.media_url(attempt)
    answer = Client().get(path_of(url))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Cache-Control"] == "no-store"
    pdf = PdfReader(io.BytesIO(answer.content))
    assert len(pdf.pages) == 3
    # Each page is the fax image (1728 px wide, 1 bit, G4), at its true physical width.
    image = next(iter(pdf.pages[0]["/Resources"]["/XObject"].values())).get_object()
    assert image["/Width"] == 1728 and image["/BitsPerComponent"] == 1
    assert abs(float(pdf.pages[0].mediabox.width) - 1728 / 204 * 72) < 1
    audit = AuditEvent.objects.get(action="fax.media_fetched_by_carrier")
    assert audit.fax_id == fax.pk and audit.details == {"transport": "signalwire", "attempt": 1}


def test_the_link_the_carrier_got_is_the_same_kind(sending, signalwire):
    _, attempt = sending
    given = signalwire.faxes[attempt.carrier_id]["media_url"]
    assert Client().get(path_of(given)).status_code == 200
    assert Client().head(path_of(given)).status_code == 200


def test_expired_link_is_refused(sending, settings):
    _, attempt = sending
    made = time.time() - settings.FAXPORTAL_CARRIER_MEDIA_TTL - 5
    with mock.patch("django.core.signing.time.time", return_value=made):
        url = media_links.media_url(attempt)
    assert Client().get(path_of(url)).status_code == 404


def test_link_cannot_reach_another_fax(sending, clinic, pharmacy, signalwire):
    fax, attempt = sending
    signalwire_config(pharmacy.account, signalwire)
    pharmacy.caller_id = "+12025550120"
    pharmacy.save()
    theirs = send(pharmacy)
    their_attempt = theirs.attempts.get()
    token = media_links.media_token(attempt)
    # Signed correctly, but naming another tenant's fax with this attempt: refused.
    crossed = signing.dumps({"a": attempt.pk, "f": theirs.pk}, salt="faxportal.carrier-media")
    assert Client().get(f"/hooks/media/{crossed}/fax.pdf").status_code == 404
    crossed = signing.dumps({"a": their_attempt.pk, "f": fax.pk}, salt="faxportal.carrier-media")
    assert Client().get(f"/hooks/media/{crossed}/fax.pdf").status_code == 404
    # Edited by hand: the signature breaks.
    value, stamp, mac = token.split(":")
    assert Client().get(f"/hooks/media/{value}:{stamp}:{mac[:-2]}xx/fax.pdf").status_code == 404
    assert Client().get("/hooks/media/guess/fax.pdf").status_code == 404
    # Signed for something else (another salt, e.g. a callback token): refused.
    other = signing.dumps({"a": attempt.pk, "f": fax.pk}, salt="faxportal.carrier-callback")
    assert Client().get(f"/hooks/media/{other}/fax.pdf").status_code == 404


def test_link_dies_when_the_fax_ends(sending):
    fax, attempt = sending
    path = path_of(media_links.media_url(attempt))
    assert Client().get(path).status_code == 200
    from faxes.carriers.signalwire.transport import status_from
    from faxes.services import carrier_events

    carrier_events.apply_status(
        "signalwire",
        status_from({"FaxSid": attempt.carrier_id, "FaxStatus": "delivered"}),
        config_key=attempt.details["carrier_config"],
    )
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED
    assert Client().get(path).status_code == 404


def test_link_of_a_superseded_attempt_is_refused(sending):
    fax, first = sending
    path = path_of(media_links.media_url(first))
    from faxes.carriers.signalwire.transport import status_from
    from faxes.services import carrier_events

    carrier_events.apply_status(
        "signalwire",
        status_from({"FaxSid": first.carrier_id, "FaxStatus": "busy"}),
        config_key=first.details["carrier_config"],
    )
    fax.refresh_from_db()
    services.sweep(now=fax.next_attempt_at)
    fax.refresh_from_db()
    assert fax.status == S.SENDING and fax.attempts.count() == 2
    assert Client().get(path).status_code == 404
    assert (
        Client().get(path_of(media_links.media_url(fax.attempts.get(number=2)))).status_code == 200
    )


def test_link_of_a_purged_fax_is_refused(sending):
    fax, attempt = sending
    path = path_of(media_links.media_url(attempt))
    # Purging refuses in-flight faxes; simulate a document removed by an operator.
    fax.tiff.delete(save=True)
    assert Client().get(path).status_code == 404
    assert retention.purge_attachment(fax) is False  # still in flight


def test_only_get_and_head(sending):
    _, attempt = sending
    assert Client().post(path_of(media_links.media_url(attempt))).status_code == 405
