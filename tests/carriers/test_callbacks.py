"""Callback endpoints refuse what the carrier did not sign, replays, and other tenants' faxes."""

from __future__ import annotations

import json
import time
from unittest import mock
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client

from faxes.carriers import common as carriers
from faxes.models import FaxStatus
from tests.carriers.conftest import BASE_URL, send, signalwire_config, telnyx_config
from tests.carriers.fakes import FakeTelnyx, signalwire_signature
from tests.factories import AccountFactory, FaxboxFactory

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus
FORM = "application/x-www-form-urlencoded"


def post_signalwire(
    url: str,
    params: dict[str, str],
    key: str,
    *,
    header="HTTP_X_SIGNALWIRE_SIGNATURE",
    signed_url: str | None = None,
):
    path = urlsplit(url).path
    signature = signalwire_signature(key, signed_url or url, params)
    return Client().post(path, urlencode(params), content_type=FORM, **{header: signature})


@pytest.fixture
def sending_sw(clinic, signalwire):
    config = signalwire_config(clinic.account, signalwire)
    fax = send(clinic)
    assert fax.status == S.SENDING
    sid = fax.attempts.get().carrier_id
    return config, fax, sid, signalwire.faxes[sid]["callback"]


def delivered(sid: str) -> dict[str, str]:
    return {"FaxSid": sid, "FaxStatus": "delivered", "NumPages": "1", "To": "+13125550177"}


def test_signed_status_callback_is_applied(sending_sw, signalwire):
    _, fax, sid, url = sending_sw
    assert url.startswith(f"{BASE_URL}/hooks/signalwire/")
    answer = post_signalwire(url, delivered(sid), signalwire.signing_key)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/xml"
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED


@pytest.mark.parametrize("variant", ["unsigned", "wrong key", "tampered", "other url"])
def test_bad_signalwire_signatures_are_refused(sending_sw, signalwire, variant):
    _, fax, sid, url = sending_sw
    params = delivered(sid)
    path = urlsplit(url).path
    if variant == "unsigned":
        answer = Client().post(path, urlencode(params), content_type=FORM)
    elif variant == "wrong key":
        answer = post_signalwire(url, params, "not-the-signing-key")
    elif variant == "tampered":
        signature = signalwire_signature(signalwire.signing_key, url, params)
        forged = {**params, "NumPages": "9"}
        answer = Client().post(
            path, urlencode(forged), content_type=FORM, HTTP_X_SIGNALWIRE_SIGNATURE=signature
        )
    else:
        answer = post_signalwire(
            url, params, signalwire.signing_key, signed_url="https://attacker.example/hooks/x"
        )
    assert answer.status_code == 403
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def test_twilio_header_and_default_port_spelling_are_accepted(sending_sw, signalwire):
    _, fax, sid, url = sending_sw
    with_port = url.replace(BASE_URL, BASE_URL + ":443")
    answer = post_signalwire(
        url,
        delivered(sid),
        signalwire.signing_key,
        header="HTTP_X_TWILIO_SIGNATURE",
        signed_url=with_port,
    )
    assert answer.status_code == 200
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED


def test_replayed_callback_after_the_url_expired_is_refused(sending_sw, signalwire, settings):
    _, fax, sid, url = sending_sw
    later = time.time() + settings.FAXPORTAL_CARRIER_CALLBACK_TTL + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        answer = post_signalwire(url, delivered(sid), signalwire.signing_key)
    assert answer.status_code == 410
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def test_repeated_final_callback_is_harmless(sending_sw, signalwire):
    _, fax, sid, url = sending_sw
    failed = {"FaxSid": sid, "FaxStatus": "busy", "To": "+13125550177"}
    assert post_signalwire(url, failed, signalwire.signing_key).status_code == 200
    fax.refresh_from_db()
    assert fax.status == S.RETRYING and fax.attempt_count == 1
    # Replayed later with a different status: the attempt is closed, nothing moves.
    assert post_signalwire(url, delivered(sid), signalwire.signing_key).status_code == 200
    fax.refresh_from_db()
    assert fax.status == S.RETRYING


def test_callback_of_another_fax_is_refused(sending_sw, signalwire):
    _, fax, _sid, url = sending_sw
    answer = post_signalwire(url, delivered("FXsomeoneelse"), signalwire.signing_key)
    assert answer.status_code == 404
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def test_another_tenants_carrier_account_cannot_touch_the_fax(sending_sw, signalwire, other):
    """Charlie's tenant has its own SignalWire project and signing key; signing a callback
    for Acme's fax with it, on Charlie's own webhook URL, gets a 404."""
    _, fax, sid, url = sending_sw
    theirs = signalwire_config(other.account, signalwire, signing_key="charlies-signing-key")
    token = url.rsplit("/", 1)[1]
    forged_url = f"{BASE_URL}/hooks/signalwire/{theirs.pk}/status/{token}"
    answer = post_signalwire(forged_url, delivered(sid), "charlies-signing-key")
    assert answer.status_code == 404
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def test_unknown_configuration_and_forged_token(sending_sw, signalwire):
    config, _, sid, url = sending_sw
    unknown = url.replace(f"/signalwire/{config.pk}/", "/signalwire/0123456789abcdef/")
    assert post_signalwire(unknown, delivered(sid), signalwire.signing_key).status_code == 404
    forged = url.rsplit("/", 1)[0] + "/forged-token"
    assert post_signalwire(forged, delivered(sid), signalwire.signing_key).status_code == 403


def test_disabled_configuration_stops_callbacks(sending_sw, signalwire):
    config, _, sid, url = sending_sw
    config.enabled = False
    config.save()
    assert post_signalwire(url, delivered(sid), signalwire.signing_key).status_code == 404


def test_incoming_offer_must_be_signed(clinic, signalwire):
    config = signalwire_config(clinic.account, signalwire)
    url = f"{BASE_URL}/hooks/signalwire/{config.pk}/incoming"
    params = {"FaxSid": "FX1", "To": "+12025550110", "From": "+13125550100"}
    assert (
        Client().post(urlsplit(url).path, urlencode(params), content_type=FORM).status_code == 403
    )
    answer = post_signalwire(url, params, signalwire.signing_key)
    assert answer.status_code == 200 and b"<Receive " in answer.content


# --- Telnyx -------------------------------------------------------------------------------------


@pytest.fixture
def sending_tx(clinic, telnyx):
    config = telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    fax_id = fax.attempts.get().carrier_id
    return config, fax, fax_id


def telnyx_post(fake: FakeTelnyx, config, body: bytes, **kwargs):
    headers = fake.sign(body, kwargs.pop("timestamp", None))
    headers.update(kwargs.pop("headers", {}))
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return Client().post(
        f"/hooks/telnyx/{config.pk}/events", body, content_type="application/json", **meta
    )


def delivered_event(fake: FakeTelnyx, fax_id: str) -> bytes:
    fax = fake.faxes[fax_id]
    return fake.envelope(
        "fax.delivered",
        {
            "fax_id": fax_id,
            "direction": "outbound",
            "status": "delivered",
            "page_count": 1,
            "client_state": fax["client_state"],
            "to": fax["to"],
            "from": fax["from"],
        },
    )


def test_signed_telnyx_event_is_applied(sending_tx, telnyx):
    config, fax, fax_id = sending_tx
    answer = telnyx_post(telnyx, config, delivered_event(telnyx, fax_id))
    assert answer.status_code == 200 and answer.json() == {"status": "applied"}
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED


@pytest.mark.parametrize(
    "variant", ["unsigned", "other key", "tampered body", "stale", "future", "garbled"]
)
def test_bad_telnyx_signatures_and_replays_are_refused(sending_tx, telnyx, variant):
    config, fax, fax_id = sending_tx
    body = delivered_event(telnyx, fax_id)
    path = f"/hooks/telnyx/{config.pk}/events"
    if variant == "unsigned":
        answer = Client().post(path, body, content_type="application/json")
    elif variant == "other key":
        answer = telnyx_post(_other_signer(), config, body)
    elif variant == "tampered body":
        headers = telnyx.sign(body)
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        answer = Client().post(
            path,
            body.replace(b'"page_count": 1', b'"page_count": 7'),
            content_type="application/json",
            **meta,
        )
    elif variant == "stale":  # a captured request sent again ten minutes later
        answer = telnyx_post(telnyx, config, body, timestamp=int(time.time()) - 600)
    elif variant == "future":
        answer = telnyx_post(telnyx, config, body, timestamp=int(time.time()) + 600)
    else:
        answer = telnyx_post(
            telnyx, config, body, headers={"telnyx-signature-ed25519": "not base64!"}
        )
    assert answer.status_code == 403
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def _other_signer() -> FakeTelnyx:
    signer = FakeTelnyx()
    signer.stop()
    return signer


def test_duplicate_telnyx_delivery_is_acknowledged_once(sending_tx, telnyx):
    config, fax, fax_id = sending_tx
    body = delivered_event(telnyx, fax_id)
    assert telnyx_post(telnyx, config, body).json() == {"status": "applied"}
    assert telnyx_post(telnyx, config, body).json() == {"status": "duplicate"}
    # The same report under a new event id (a carrier re-send): idempotent on the attempt.
    assert telnyx_post(telnyx, config, delivered_event(telnyx, fax_id)).json() == {
        "status": "duplicate"
    }
    assert fax.events.filter(to_status=S.DELIVERED).count() == 1


def test_signed_but_malformed_event_is_a_400(sending_tx, telnyx):
    config, _, _ = sending_tx
    assert telnyx_post(telnyx, config, b"[1, 2, 3]").status_code == 400
    assert telnyx_post(telnyx, config, b"not json").status_code == 400


def test_unrelated_event_types_are_acknowledged(sending_tx, telnyx):
    config, _, _ = sending_tx
    body = json.dumps({"data": {"event_type": "call.initiated", "id": "e1", "payload": {}}})
    answer = telnyx_post(telnyx, config, body.encode())
    assert answer.status_code == 200 and answer.json() == {"status": "ignored"}


def test_telnyx_event_for_another_tenants_fax_is_404(sending_tx, telnyx, other):
    _, fax, fax_id = sending_tx
    theirs_signer = _other_signer()
    theirs = telnyx_config(other.account, telnyx, public_key=theirs_signer.public_key)
    answer = telnyx_post(theirs_signer, theirs, delivered_event(telnyx, fax_id))
    assert answer.status_code == 404
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def test_telnyx_get_and_unknown_key(sending_tx, telnyx):
    config, _, fax_id = sending_tx
    assert Client().get(f"/hooks/telnyx/{config.pk}/events").status_code == 405
    body = delivered_event(telnyx, fax_id)
    answer = Client().post(
        "/hooks/telnyx/nope/events",
        body,
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in telnyx.sign(body).items()},
    )
    assert answer.status_code == 404


def test_env_configuration_serves_every_account(clinic, telnyx, settings):
    """Without a CarrierConfig the portal-wide carrier account from the environment is used,
    under the webhook key ``default``."""
    settings.FAXPORTAL_TRANSPORT = "telnyx"
    settings.FAXPORTAL_TELNYX_API_URL = telnyx.url
    settings.FAXPORTAL_TELNYX_API_KEY = telnyx.api_key
    settings.FAXPORTAL_TELNYX_PUBLIC_KEY = telnyx.public_key
    settings.FAXPORTAL_TELNYX_CONNECTION_ID = telnyx.connection_id
    fax = send(clinic)
    fax_id = fax.attempts.get().carrier_id
    assert telnyx.faxes[fax_id]["webhook_url"] == f"{BASE_URL}/hooks/telnyx/default/events"
    body = delivered_event(telnyx, fax_id)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in telnyx.sign(body).items()}
    answer = Client().post(
        "/hooks/telnyx/default/events", body, content_type="application/json", **meta
    )
    assert answer.status_code == 200
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED
    assert carriers.settings_for("telnyx", clinic.account, clinic).key == "default"


def test_reseller_configuration_serves_sub_accounts(telnyx):
    reseller = AccountFactory(name="Reseller")
    child = AccountFactory(name="Child", parent=reseller)
    box = FaxboxFactory(account=child)
    telnyx_config(reseller, telnyx)
    assert carriers.settings_for("telnyx", child, box).account_id == reseller.pk
