"""Signature schemes against published vectors, and every carrier status/error mapped."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from faxes.carriers.base import DELIVERED, FAILED, PROGRESS
from faxes.carriers.common import CallbackRejected
from faxes.carriers.signalwire import signature as signalwire_signature
from faxes.carriers.signalwire import transport as signalwire
from faxes.carriers.telnyx import signature as telnyx_signature
from faxes.carriers.telnyx import transport as telnyx
from faxes.modem.codes import error_description_for

TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        # Twilio's own SDK test vector (twilio-csharp RequestValidatorTest).
        ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        # The worked example of Twilio's request-validation docs (twilio-ruby).
        ("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),
    ],
)
def test_signalwire_form_signature_matches_published_vectors(caller, expected):
    params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", caller),
        ("Digits", "1234"),
        ("From", caller),
        ("To", "+18005551212"),
    ]
    assert signalwire_signature.form_signature("12345", TWILIO_URL, params) == expected


def test_signalwire_json_signature_is_hex_over_url_and_body():
    body = b'{"event":"x"}'
    import hashlib
    import hmac

    expected = hmac.new(b"k", TWILIO_URL.encode() + body, hashlib.sha1).hexdigest()
    assert signalwire_signature.json_signature("k", TWILIO_URL, body) == expected


def _keypair() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, base64.b64encode(raw).decode()


def test_telnyx_signature_over_timestamp_pipe_body():
    private, public = _keypair()
    body = b'{"data":{"event_type":"fax.delivered"}}'
    now = int(time.time())
    signature = base64.b64encode(private.sign(f"{now}|".encode() + body)).decode()
    telnyx_signature.verify_telnyx(body, signature, str(now), public, tolerance=300)
    pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    telnyx_signature.verify_telnyx(
        body, signature, str(now), pem.decode(), tolerance=300
    )  # PEM works too
    # Signed over the body alone (a common mistake) is not Telnyx's scheme.
    wrong = base64.b64encode(private.sign(body)).decode()
    with pytest.raises(CallbackRejected, match="bad signature"):
        telnyx_signature.verify_telnyx(body, wrong, str(now), public, tolerance=300)
    # Within the tolerance on either side, and not beyond.
    telnyx_signature.verify_telnyx(body, signature, str(now), public, tolerance=300, now=now + 300)
    with pytest.raises(CallbackRejected, match="stale"):
        telnyx_signature.verify_telnyx(
            body, signature, str(now), public, tolerance=300, now=now + 301
        )
    with pytest.raises(CallbackRejected, match="stale"):
        telnyx_signature.verify_telnyx(
            body, signature, str(now), public, tolerance=300, now=now - 301
        )
    with pytest.raises(CallbackRejected, match="bad public key"):
        telnyx_signature.verify_telnyx(body, signature, str(now), "bm90IGEga2V5", tolerance=300)


# Telnyx's documented failure reasons (developers.telnyx.com, "Possible failure reasons",
# plus the fax object's failure_reason list and the support article's file errors).
TELNYX_REASONS = [
    "account_disabled",
    "connection_channel_limit_exceeded",
    "destination_invalid",
    "destination_not_in_countries_whitelist",
    "destination_not_in_service_plan",
    "destination_unreachable",
    "fax_initial_communication_timeout",
    "fax_signaling_error",
    "invalid_ecm_response_from_receiver",
    "no_outbound_profile",
    "outbound_profile_channel_limit_exceeded",
    "outbound_profile_daily_spend_limit_exceeded",
    "receiver_call_dropped",
    "receiver_communication_error",
    "receiver_decline",
    "receiver_incompatible_destination",
    "receiver_invalid_number_format",
    "receiver_no_answer",
    "receiver_no_response",
    "receiver_recovery_on_timer_expire",
    "receiver_unallocated_number",
    "service_unavailable",
    "unverified_destination_not_allowed",
    "unverified_origination_number",
    "user_busy",
    "user_channel_limit_exceeded",
    "file_format_invalid",
    "file_download_failed",
    "file_size_limit_exceeded",
    "page_count_limit_exceeded",
    "media_processing_exception",
]
TELNYX_PERMANENT = {
    "account_disabled",
    "destination_invalid",
    "destination_not_in_countries_whitelist",
    "destination_not_in_service_plan",
    "no_outbound_profile",
    "receiver_incompatible_destination",
    "receiver_invalid_number_format",
    "receiver_unallocated_number",
    "unverified_destination_not_allowed",
    "unverified_origination_number",
    "file_format_invalid",
    "file_size_limit_exceeded",
    "page_count_limit_exceeded",
}


@pytest.mark.parametrize("reason", TELNYX_REASONS)
def test_every_telnyx_failure_reason_is_mapped(reason):
    assert reason in telnyx.FAILURES
    status = telnyx.status_from("f1", "failed", {"failure_reason": reason, "page_count": 2})
    assert status.state == FAILED and status.permanent == (reason in TELNYX_PERMANENT)
    assert status.result.result_text == status.message and status.result.pages_sent == 2
    code = status.result.result_code
    assert code is None or 1 <= code <= 127 or 5100 <= code <= 5161


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", PROGRESS),
        ("media.processed", PROGRESS),
        ("originated", PROGRESS),
        ("sending", PROGRESS),
        ("sending.started", PROGRESS),
        ("delivered", DELIVERED),
        ("failed", FAILED),
        ("canceled", FAILED),
    ],
)
def test_telnyx_statuses(status, state):
    assert telnyx.status_from("f1", status, {}).state == state


@pytest.mark.parametrize(
    ("status", "state", "code", "permanent"),
    [
        ("queued", PROGRESS, None, False),
        ("processing", PROGRESS, None, False),
        ("sending", PROGRESS, None, False),
        ("receiving", PROGRESS, None, False),
        ("delivered", DELIVERED, 0, False),
        ("received", DELIVERED, 0, False),
        ("busy", FAILED, 17, False),
        ("no-answer", FAILED, 18, False),
        ("failed", FAILED, 5100, False),
        ("canceled", FAILED, None, True),
    ],
)
def test_every_signalwire_status_is_mapped(status, state, code, permanent):
    read = signalwire.status_from({"FaxSid": "FX1", "FaxStatus": status})
    assert read.state == state
    if state != PROGRESS:
        assert read.result.result_code == code and read.permanent == permanent


@pytest.mark.parametrize("n", range(1, 62))
def test_every_t30_text_signalwire_may_send_gets_its_code(n):
    text = error_description_for(5100 + n).upper()  # wording, not case, matters
    read = signalwire.status_from({"FaxSid": "FX1", "FaxStatus": "failed", "ErrorMessage": text})
    assert read.result.result_code == 5100 + n
    assert read.permanent == (n in (11, 12))  # resolution/size: the same fax fails again


def test_signalwire_reads_its_rest_resource_too():
    read = signalwire.status_from(
        {
            "sid": "FX9",
            "status": "failed",
            "error_code": "5121",
            "error_message": "",
            "num_pages": "2",
        }
    )
    assert read.carrier_id == "FX9" and read.result.result_code == 5121
    assert read.result.result_text == "no response after sending a page"
    assert read.result.pages_sent == 2
