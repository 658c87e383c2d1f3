"""Telnyx end to end: the portal against a fake of Telnyx's fax API (v2).

The portal runs over real HTTP (live server); the fake fetches the signed media link and
posts webhook events signed with an Ed25519 key the test generated, as Telnyx does.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core import mail
from pypdf import PdfReader

from faxes import services
from faxes.carriers.telnyx import transport as telnyx_module
from faxes.models import Fax, FaxEvent, FaxStatus, InboundRefusal
from faxes.services import carrier_events
from tests.carriers.conftest import send, telnyx_config

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def test_send_is_delivered(clinic, telnyx, live_base):
    config = telnyx_config(clinic.account, telnyx)
    fax = send(clinic, resolution="standard")
    assert fax.status == S.SENDING and fax.transport == "telnyx"
    attempt = fax.attempts.get()
    [create] = telnyx.requests_to("/v2/faxes")
    assert create.method == "POST" and create.path == "/v2/faxes"
    assert create.headers["authorization"] == f"Bearer {telnyx.api_key}"
    body = create.json
    assert body["connection_id"] == telnyx.connection_id and body["quality"] == "normal"
    assert body["to"] == "+13125550177" and body["from"] == "+12025550110"
    assert body["media_url"].startswith(f"{live_base}/hooks/media/")
    assert body["webhook_url"] == f"{live_base}/hooks/telnyx/{config.pk}/events"
    assert body["store_media"] is False and body["client_state"]
    assert attempt.carrier_id == create_id(telnyx)

    media = telnyx.fetch_media(attempt.carrier_id)
    assert media.status == 200 and PdfReader(io.BytesIO(media.body)).pages
    for event in ("fax.queued", "fax.media.processed", "fax.sending.started"):
        answer, _ = telnyx.event(attempt.carrier_id, event)
        assert answer.status == 200 and json.loads(answer.body)["status"] == "progress"
    answer, delivered = telnyx.event(
        attempt.carrier_id, "fax.delivered", page_count=1, call_duration_secs=42
    )
    assert answer.status == 200 and json.loads(answer.body)["status"] == "applied"
    fax.refresh_from_db()
    attempt.refresh_from_db()
    assert fax.status == S.DELIVERED
    assert attempt.success and attempt.pages_sent == 1 and attempt.time_elapsed == 42
    assert len(mail.outbox) == 1

    # Telnyx redelivers the same event (same id): acknowledged, nothing changes.
    again = telnyx.post_event(f"{live_base}/hooks/telnyx/{config.pk}/events", delivered)
    assert again.status == 200 and json.loads(again.body)["status"] == "duplicate"
    # A late, out-of-order progress event does not reopen anything.
    late, _ = telnyx.event(attempt.carrier_id, "fax.sending.started")
    assert late.status == 200 and json.loads(late.body)["status"] == "duplicate"
    assert FaxEvent.objects.filter(fax=fax).count() == 4 and len(mail.outbox) == 1
    assert telnyx.fetch_media(attempt.carrier_id).status == 404


def create_id(fake) -> str:
    return next(iter(fake.faxes))


def test_t30_failure_is_retried_with_its_code(clinic, telnyx, live_base):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    first = fax.attempts.get()
    answer, _ = telnyx.event(
        first.carrier_id, "fax.failed", failure_reason="fax_signaling_error", page_count=0
    )
    assert answer.status == 200
    fax.refresh_from_db()
    first.refresh_from_db()
    assert fax.status == S.RETRYING and fax.error_code == 5100
    assert first.result_code == 5100 and first.details["failure_reason"] == "fax_signaling_error"

    services.sweep(now=fax.next_attempt_at)
    second = fax.attempts.get(number=2)
    assert telnyx.fetch_media(first.carrier_id).status == 404
    assert telnyx.fetch_media(second.carrier_id).status == 200
    telnyx.event(second.carrier_id, "fax.failed", failure_reason="receiver_call_dropped")
    fax.refresh_from_db()
    assert fax.status == S.RETRYING and fax.error_code == 5149


@pytest.mark.parametrize(
    ("reason", "final", "code"),
    [
        ("user_busy", S.RETRYING, 17),
        ("receiver_no_answer", S.RETRYING, 18),
        ("fax_initial_communication_timeout", S.RETRYING, 5102),
        ("receiver_unallocated_number", S.FAILED, 1),
        ("receiver_incompatible_destination", S.FAILED, 88),
        ("account_disabled", S.FAILED, None),
        ("file_download_failed", S.RETRYING, None),
        ("something_telnyx_adds_later", S.RETRYING, None),
    ],
)
def test_failure_reasons_map_to_lifecycle(clinic, telnyx, live_base, reason, final, code):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    telnyx.event(fax.attempts.get().carrier_id, "fax.failed", failure_reason=reason)
    fax.refresh_from_db()
    assert fax.status == final and fax.error_code == code
    assert (
        fax.error_message
        == telnyx_module.FAILURES.get(reason, (None, f"Telnyx: {reason}", False))[1]
    )


def test_cancel_at_telnyx(clinic, telnyx, live_base):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    fax_id = fax.attempts.get().carrier_id
    assert carrier_events.cancel_at_carrier(fax)
    assert telnyx.faxes[fax_id]["cancel_requested"]
    [cancel] = telnyx.requests_to("/actions/cancel")
    assert cancel.path == f"/v2/faxes/{fax_id}/actions/cancel"
    # Whatever failure_reason Telnyx gives a cancelled fax, it is not retried.
    telnyx.event(fax_id, "fax.failed", failure_reason="user_busy")
    fax.refresh_from_db()
    assert fax.status == S.FAILED and fax.attempt_count == 1
    assert "cancel" in fax.error_message


def test_refusals_and_outages(clinic, telnyx, live_base):
    telnyx_config(clinic.account, telnyx)
    telnyx.fail_next.append(422)
    refused = send(clinic)
    assert refused.status == S.FAILED
    assert refused.error_message == "Telnyx refused the fax (HTTP 422, code 10015): to is invalid"
    telnyx.fail_next.append(429)
    throttled = send(clinic)
    assert throttled.status == S.RETRYING and "HTTP 429" in throttled.error_message


def test_unreachable_telnyx_is_retried(clinic, telnyx, live_base):
    config = telnyx_config(clinic.account, telnyx)
    config.api_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    config.save()
    fax = send(clinic)
    assert fax.status == S.RETRYING and "could not be reached" in fax.error_message


def test_missing_configuration_fails_with_a_clear_message(clinic, telnyx, live_base):
    config = telnyx_config(clinic.account, telnyx)
    config.connection_id = ""
    config.save()
    fax = send(clinic)
    assert fax.status == S.FAILED
    assert "telnyx is not fully configured: connection_id missing" in fax.error_message


# --- inbound ----------------------------------------------------------------------------------


def test_fax_received_is_downloaded_and_filed(clinic, telnyx, live_base, fax_tiff):
    config = telnyx_config(clinic.account, telnyx)
    url = f"{live_base}/hooks/telnyx/{config.pk}/events"
    answer, fax_id = telnyx.received(
        url, to="+12025550110", from_="+13125550100", data=fax_tiff, content_type="image/tiff"
    )
    assert answer.status == 200 and json.loads(answer.body)["status"] == "queued"
    inbound = Fax.objects.get(direction="inbound")
    assert inbound.faxbox == clinic and inbound.carrier_fax_id == fax_id
    assert inbound.transport == "telnyx" and inbound.pages == 1
    # The presigned storage URL got no Authorization header (S3 would refuse it).
    [download] = telnyx.requests_to(f"/storage/{fax_id}")
    assert "authorization" not in download.headers


def test_expired_media_url_is_refreshed(clinic, telnyx, live_base, fax_tiff):
    config = telnyx_config(clinic.account, telnyx)
    url = f"{live_base}/hooks/telnyx/{config.pk}/events"
    answer, fax_id = telnyx.received(
        url, to="+12025550110", from_="+13125550100", data=fax_tiff, expired=True
    )
    assert answer.status == 200
    assert telnyx.requests_to(f"/v2/faxes/{fax_id}/actions/refresh")
    assert Fax.objects.get(direction="inbound").carrier_fax_id == fax_id


def test_fax_for_another_tenant_is_refused(clinic, pharmacy, telnyx, live_base, fax_tiff):
    config = telnyx_config(clinic.account, telnyx)
    url = f"{live_base}/hooks/telnyx/{config.pk}/events"
    answer, _ = telnyx.received(url, to="+12025550120", from_="+13125550100", data=fax_tiff)
    assert answer.status == 200 and json.loads(answer.body)["status"] == "refused"
    assert not Fax.objects.filter(direction="inbound").exists()
    assert InboundRefusal.objects.get().to_number == "+12025550120"
    assert not telnyx.requests_to("/storage/")  # nothing was downloaded


def test_unavailable_media_is_retried_then_kept_as_a_refusal(clinic, telnyx, live_base, fax_tiff):
    config = telnyx_config(clinic.account, telnyx)
    url = f"{live_base}/hooks/telnyx/{config.pk}/events"
    answer, fax_id = telnyx.received(
        url, to="+12025550110", from_="+13125550100", data=fax_tiff, unavailable=True
    )
    assert answer.status == 200
    # Eager Celery runs the retries at once: the first try and eight more.
    assert len(telnyx.requests_to(f"/storage/{fax_id}")) == 9
    refusal = InboundRefusal.objects.get()
    assert refusal.carrier_fax_id == fax_id and "HTTP 503" in refusal.reason
