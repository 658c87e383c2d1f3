"""SignalWire end to end: the portal against a fake of SignalWire's compatibility fax API.

The portal runs over real HTTP (live server): the fake fetches the signed media link and
posts status callbacks signed with the project's signing key, exactly as SignalWire does.
"""

from __future__ import annotations

import base64
import io
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.core import mail
from pypdf import PdfReader

from faxes import services
from faxes.models import Attempt, Fax, FaxEvent, FaxStatus, InboundRefusal
from faxes.services import carrier_events
from tests.carriers.conftest import send, signalwire_config
from tests.carriers.fakes import http

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def events(fax) -> list[str]:
    return list(FaxEvent.objects.filter(fax=fax).values_list("to_status", flat=True))


def test_send_is_delivered(clinic, signalwire, live_base):
    config = signalwire_config(clinic.account, signalwire)
    fax = send(clinic, pages=2)
    assert fax.status == S.SENDING and fax.transport == "signalwire"
    attempt = fax.attempts.get()
    [create] = signalwire.requests_to("/Faxes.json")
    # What SignalWire received: path, Basic auth (checked by the fake), parameters.
    assert create.path == f"/api/laml/2010-04-01/Accounts/{signalwire.project_id}/Faxes.json"
    expected_auth = base64.b64encode(f"{signalwire.project_id}:{signalwire.api_token}".encode())
    assert create.headers["authorization"] == f"Basic {expected_auth.decode()}"
    form = create.form
    assert form["To"] == "+13125550177" and form["From"] == "+12025550110"
    assert form["Quality"] == "fine"
    assert form["MediaUrl"].startswith(f"{live_base}/hooks/media/")
    assert form["StatusCallback"].startswith(f"{live_base}/hooks/signalwire/{config.pk}/status/")
    assert attempt.carrier_id == next(iter(signalwire.faxes)) and attempt.ended_at is None

    # SignalWire fetches the document: the rendered pages, as a PDF.
    media = signalwire.fetch_media(attempt.carrier_id)
    assert media.status == 200 and media.content_type == "application/pdf"
    assert len(PdfReader(io.BytesIO(media.body)).pages) == fax.pages == 2

    for status in ("queued", "processing", "sending"):
        assert signalwire.callback(attempt.carrier_id, status).status == 200
    attempt.refresh_from_db()
    assert attempt.details["carrier_status"] == "sending" and attempt.ended_at is None
    done = signalwire.callback(
        attempt.carrier_id, "delivered", NumPages="2", RemoteStationId="LAB FAX 1"
    )
    assert done.status == 200 and "<Response" in done.text()

    fax.refresh_from_db()
    attempt.refresh_from_db()
    assert fax.status == S.DELIVERED and fax.remote_station_id == "LAB FAX 1"
    assert events(fax) == ["queued", "converting", "sending", "delivered"]
    assert attempt.success and attempt.result_code == 0 and attempt.pages_sent == 2
    assert attempt.receiver_id == "LAB FAX 1" and attempt.details["carrier"] == "signalwire"
    assert [m.subject for m in mail.outbox] == ["Fax to +13125550177 delivered"]

    # A repeated delivery of the same callback changes nothing.
    assert (
        signalwire.callback(
            attempt.carrier_id, "delivered", NumPages="2", RemoteStationId="LAB FAX 1"
        ).status
        == 200
    )
    assert events(fax) == ["queued", "converting", "sending", "delivered"]
    assert len(mail.outbox) == 1
    # The link died with the attempt.
    assert signalwire.fetch_media(attempt.carrier_id).status == 404


def test_t30_failure_is_retried_then_delivered(clinic, signalwire, live_base):
    signalwire_config(clinic.account, signalwire)
    fax = send(clinic)
    first = fax.attempts.get()
    answer = signalwire.callback(
        first.carrier_id,
        "failed",
        NumPages="0",
        ErrorCode="",
        ErrorMessage="Failed to train with any of the compatible modems",
    )
    assert answer.status == 200
    fax.refresh_from_db()
    first.refresh_from_db()
    assert fax.status == S.RETRYING and fax.error_code == 5106
    assert fax.error_message == "Failed to train with any of the compatible modems"
    assert first.success is False and first.result_code == 5106 and first.ended_at
    assert signalwire.fetch_media(first.carrier_id).status == 404

    services.sweep(now=fax.next_attempt_at)  # the retry falls due: a new attempt
    fax.refresh_from_db()
    second = fax.attempts.get(number=2)
    assert fax.status == S.SENDING and second.carrier_id != first.carrier_id
    assert signalwire.fetch_media(second.carrier_id).status == 200
    assert signalwire.callback(second.carrier_id, "delivered", NumPages="1").status == 200
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED and fax.error_code is None and fax.attempt_count == 2


@pytest.mark.parametrize(
    ("status", "extra", "final", "code"),
    [
        ("busy", {}, S.RETRYING, 17),
        ("no-answer", {}, S.RETRYING, 18),
        (
            "failed",
            {"ErrorMessage": "Far end cannot receive at the resolution of the image"},
            S.FAILED,
            5111,
        ),
        ("failed", {"ErrorMessage": "Fax transmission not established"}, S.RETRYING, 5102),
        ("failed", {"ErrorMessage": "Something new"}, S.RETRYING, 5100),
        ("canceled", {}, S.FAILED, None),
    ],
)
def test_failures_map_to_lifecycle_and_codes(
    clinic, signalwire, live_base, status, extra, final, code
):
    signalwire_config(clinic.account, signalwire)
    fax = send(clinic)
    sid = fax.attempts.get().carrier_id
    assert signalwire.callback(sid, status, **extra).status == 200
    fax.refresh_from_db()
    assert fax.status == final and fax.error_code == code


def test_cancel_at_signalwire(clinic, signalwire, live_base):
    signalwire_config(clinic.account, signalwire)
    fax = send(clinic)
    assert carrier_events.cancel_at_carrier(fax)
    [cancel] = [r for r in signalwire.requests if r.form.get("Status") == "canceled"]
    assert cancel.path.endswith(f"/Faxes/{fax.attempts.get().carrier_id}.json")
    signalwire.callback(fax.attempts.get().carrier_id, "canceled")
    fax.refresh_from_db()
    assert fax.status == S.FAILED and fax.error_message == "cancelled at SignalWire"
    assert fax.attempt_count == 1  # a cancelled fax is not retried


def test_refused_send_fails_with_signalwires_message(clinic, signalwire, live_base):
    signalwire_config(clinic.account, signalwire)
    signalwire.fail_next.append(400)
    fax = send(clinic)
    assert fax.status == S.FAILED
    assert fax.error_message == (
        "SignalWire refused the fax (HTTP 400, code 21211): Invalid 'To' Phone Number"
    )


def test_signalwire_outage_is_retried_and_create_is_not_repeated(clinic, signalwire, live_base):
    signalwire_config(clinic.account, signalwire)
    signalwire.fail_next.append(503)
    fax = send(clinic)
    assert fax.status == S.RETRYING and "HTTP 503" in fax.error_message
    assert len(signalwire.requests_to("/Faxes.json")) == 1  # never re-posted blindly


def test_wrong_credentials_fail_clearly(clinic, signalwire, live_base):
    config = signalwire_config(clinic.account, signalwire)
    config.api_token = "wrong"
    config.save()
    fax = send(clinic)
    assert fax.status == S.FAILED and "refused the credentials (HTTP 401)" in fax.error_message


# --- inbound ----------------------------------------------------------------------------------


def _receive_action(answer) -> str:
    root = ElementTree.fromstring(answer.body)  # noqa: S314 - the portal's own answer
    assert root.tag == "Response"
    [receive] = list(root)
    assert receive.tag == "Receive" and receive.get("method") == "POST"
    return receive.get("action")


def test_inbound_fax_is_received_into_the_faxbox(clinic, signalwire, live_base, fax_tiff):
    config = signalwire_config(clinic.account, signalwire)
    incoming = f"{live_base}/hooks/signalwire/{config.pk}/incoming"
    offer = signalwire.offer(incoming, "FXin1", to="+12025550110", from_="+13125550100")
    assert offer.status == 200 and offer.content_type == "application/xml"
    action = _receive_action(offer)
    assert action.startswith(f"{live_base}/hooks/signalwire/{config.pk}/received/")

    media_path = f"/api/laml/2010-04-01/Accounts/{signalwire.project_id}/Faxes/FXin1/Media/ME1"
    signalwire.media[media_path] = (fax_tiff, "image/tiff")
    params = {
        "FaxSid": "FXin1",
        "AccountSid": signalwire.project_id,
        "To": "+12025550110",
        "From": "+13125550100",
        "FaxStatus": "received",
        "NumPages": "1",
        "RemoteStationId": "SENDER CSI",
        "MediaUrl": signalwire.url + media_path,
        "ApiVersion": "v1",
    }
    assert signalwire.post_signed(action, params).status == 200

    inbound = Fax.objects.get(direction="inbound")
    assert inbound.faxbox == clinic and inbound.account == clinic.account
    assert inbound.status == S.RECEIVED and inbound.pages == 1 and inbound.document
    assert inbound.transport == "signalwire" and inbound.carrier_fax_id == "FXin1"
    assert inbound.from_number == "+13125550100" and inbound.remote_station_id == "SENDER CSI"
    # The media was downloaded with the project's credentials.
    [download] = signalwire.requests_to("/Media/ME1")
    assert download.headers["authorization"].startswith("Basic ")

    # SignalWire redelivers the action callback: still one fax.
    assert signalwire.post_signed(action, params).status == 200
    assert Fax.objects.filter(direction="inbound").count() == 1


def test_inbound_to_another_tenants_number_is_rejected(clinic, pharmacy, signalwire, live_base):
    config = signalwire_config(clinic.account, signalwire)
    incoming = f"{live_base}/hooks/signalwire/{config.pk}/incoming"
    offer = signalwire.offer(incoming, "FXin2", to="+12025550120", from_="+13125550100")
    assert offer.status == 200 and b"<Reject/>" in offer.body
    assert InboundRefusal.objects.get().to_number == "+12025550120"


def test_receive_action_token_is_bound_to_its_fax(clinic, signalwire, live_base):
    config = signalwire_config(clinic.account, signalwire)
    incoming = f"{live_base}/hooks/signalwire/{config.pk}/incoming"
    action = _receive_action(signalwire.offer(incoming, "FXa", "+12025550110", "+13125550100"))
    answer = signalwire.post_signed(
        action,
        {
            "FaxSid": "FXother",
            "FaxStatus": "received",
            "To": "+12025550110",
            "MediaUrl": "http://x/",
        },
    )
    assert answer.status == 403 and Fax.objects.filter(direction="inbound").count() == 0


def test_failed_inbound_download_is_kept_as_a_refusal(clinic, signalwire, live_base):
    config = signalwire_config(clinic.account, signalwire)
    incoming = f"{live_base}/hooks/signalwire/{config.pk}/incoming"
    action = _receive_action(signalwire.offer(incoming, "FXm", "+12025550110", "+13125550100"))
    params = {
        "FaxSid": "FXm",
        "To": "+12025550110",
        "From": "+13125550100",
        "FaxStatus": "received",
        "MediaUrl": signalwire.url + "/missing/media",
    }
    assert signalwire.post_signed(action, params).status == 200
    refusal = InboundRefusal.objects.get()
    assert refusal.carrier_fax_id == "FXm" and "HTTP 404" in refusal.reason
    assert Fax.objects.filter(direction="inbound").count() == 0


def test_callback_urls_are_on_the_public_base_url(clinic, signalwire, live_base):
    signalwire_config(clinic.account, signalwire)
    send(clinic)
    form = signalwire.requests_to("/Faxes.json")[0].form
    assert urlsplit(form["StatusCallback"]).netloc == urlsplit(live_base).netloc
    assert Attempt.objects.get().details["carrier_config"]


def test_signed_callback_served_by_plain_http_get_is_refused(clinic, signalwire, live_base):
    config = signalwire_config(clinic.account, signalwire)
    answer = http("GET", f"{live_base}/hooks/signalwire/{config.pk}/status/abc")
    assert answer.status == 405
