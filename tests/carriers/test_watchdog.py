"""Faxes a carrier never reported on: polled, and given up on with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from faxes import services
from faxes.models import Attempt, Fax, FaxStatus
from faxes.services import carrier_events
from tests.carriers.conftest import send, signalwire_config, telnyx_config

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def age(fax: Fax, seconds: int) -> None:
    """Make the fax (and its attempt) look ``seconds`` old."""
    then = timezone.now() - timedelta(seconds=seconds)
    Fax.objects.filter(pk=fax.pk).update(status_changed_at=then)
    Attempt.objects.filter(fax=fax).update(started_at=then)


def test_fax_delivered_without_a_callback_is_found_by_polling(clinic, signalwire, settings):
    signalwire_config(clinic.account, signalwire)
    fax = send(clinic)
    sid = fax.attempts.get().carrier_id
    signalwire.faxes[sid].update(status="delivered", num_pages="1")  # the callback got lost
    assert carrier_events.watchdog() == {"polled": 0, "completed": 0, "given_up": 0, "requeued": 0}
    age(fax, settings.FAXPORTAL_CARRIER_POLL_AFTER + 5)
    counts = carrier_events.watchdog()
    assert counts["polled"] == 1 and counts["completed"] == 1
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED and fax.attempts.get().pages_sent == 1
    [poll] = [r for r in signalwire.requests if r.method == "GET"]
    assert poll.path.endswith(f"/Faxes/{sid}.json")


def test_polled_failure_follows_the_retry_policy(clinic, telnyx, settings):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    fax_id = fax.attempts.get().carrier_id
    telnyx.faxes[fax_id].update(status="failed", failure_reason="user_busy")
    age(fax, settings.FAXPORTAL_CARRIER_POLL_AFTER + 5)
    carrier_events.watchdog()
    fax.refresh_from_db()
    assert fax.status == S.RETRYING and fax.error_code == 17


def test_still_sending_is_polled_at_most_every_few_minutes(clinic, telnyx, settings):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    telnyx.faxes[fax.attempts.get().carrier_id]["status"] = "sending"
    age(fax, settings.FAXPORTAL_CARRIER_POLL_AFTER + 5)
    assert carrier_events.watchdog()["polled"] == 1
    assert carrier_events.watchdog()["polled"] == 0
    fax.refresh_from_db()
    assert fax.status == S.SENDING


def test_given_up_after_the_deadline(clinic, telnyx, settings):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    fax_id = fax.attempts.get().carrier_id
    telnyx.faxes[fax_id]["status"] = "sending"
    age(fax, settings.FAXPORTAL_CARRIER_GIVE_UP_AFTER + 5)
    assert carrier_events.watchdog()["given_up"] == 1
    fax.refresh_from_db()
    assert fax.status == S.FAILED and fax.attempt_count == 1
    assert fax.error_message.startswith("no final status from telnyx 3 h after sending")
    assert telnyx.faxes[fax_id]["cancel_requested"]
    # A late report for the given-up attempt changes nothing.
    from faxes.carriers.telnyx.transport import status_from

    attempt = fax.attempts.get()
    late = carrier_events.apply_status(
        "telnyx",
        status_from(fax_id, "delivered", {}),
        config_key=attempt.details["carrier_config"],
    )
    fax.refresh_from_db()
    assert late == "duplicate" and fax.status == S.FAILED


def test_send_request_without_an_answer_is_retried(clinic, telnyx, settings):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    Attempt.objects.filter(fax=fax).update(carrier_id="")  # the worker died mid-request
    age(fax, settings.FAXPORTAL_CARRIER_POLL_AFTER + 5)
    assert carrier_events.watchdog()["completed"] == 1
    fax.refresh_from_db()
    assert fax.status == S.RETRYING
    assert fax.error_message == "no answer from telnyx to the send request"


def test_sending_without_an_attempt_is_sent_again(clinic, telnyx, settings):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    Attempt.objects.filter(fax=fax).delete()  # the worker died before creating it
    age(fax, settings.FAXPORTAL_CARRIER_POLL_AFTER + 5)
    assert carrier_events.watchdog()["requeued"] == 1
    fax.refresh_from_db()
    assert fax.status == S.SENDING and fax.attempts.count() == 1  # re-sent at once (eager)
    assert len(telnyx.requests_to("/v2/faxes")) == 2


def test_fax_unknown_to_the_carrier_is_retried(clinic, signalwire, settings):
    signalwire_config(clinic.account, signalwire)
    fax = send(clinic)
    signalwire.faxes.clear()
    age(fax, settings.FAXPORTAL_CARRIER_POLL_AFTER + 5)
    carrier_events.watchdog()
    fax.refresh_from_db()
    assert fax.status == S.RETRYING and "does not know this fax" in fax.error_message


def test_the_sweeper_leaves_carrier_faxes_to_the_watchdog(clinic, telnyx, settings):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    age(fax, settings.FAXPORTAL_STUCK_AFTER + 5)
    services.sweep()
    fax.refresh_from_db()
    assert fax.status == S.SENDING and len(telnyx.requests_to("/v2/faxes")) == 1


def test_watchdog_is_scheduled_and_its_tasks_registered():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["carrier-watchdog"]
    assert schedule["task"] == "faxes.carrier_watchdog"

    from faxportal.celery import app

    app.loader.import_default_modules()
    assert {"faxes.carrier_watchdog", "faxes.carrier_download_inbound"} <= set(app.tasks)
