"""Webhook deliveries: signature, payload, retries with backoff, SSRF, the engine's events, an
endpoint's answer logged without NUL bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from faxes import services
from faxes.models import FaxStatus, WebhookDelivery, WebhookEndpoint
from faxes.services import webhooks
from faxes.webhooks import signing
from tests.api_v1.conftest import FAKE_DNS, inbound_fax, outbound_fax
from tests.conftest import token_client
from tests.factories import text_pdf

D = WebhookDelivery.Status


def endpoint_for(account, url, events=None) -> tuple[WebhookEndpoint, str]:
    return webhooks.create_endpoint(account, url=url, events=events)


def one_delivery(fax, to_status=FaxStatus.RECEIVED, from_status=""):
    created = webhooks.record_status_change(
        fax_id=fax.pk, account_id=fax.account_id, from_status=from_status, to_status=to_status
    )
    return created[0]


@pytest.mark.django_db
def test_signature_and_payload(acme, hook_server):
    _, secret = endpoint_for(acme.account, hook_server.url)
    fax = inbound_fax(acme.account, from_number="+18772333839", remote_station_id="CSI")
    delivery = one_delivery(fax)
    assert webhooks.deliver(delivery.pk) == "succeeded"
    request = hook_server.requests[0]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.path == "/hooks/fax"
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == delivery.pk
    assert headers["webhook-event"] == "fax.received"
    stamp = int(headers["webhook-timestamp"])
    assert abs(stamp - time.time()) < 60
    # Verified by hand, as a receiver in another language would.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{delivery.pk}.{stamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert signing.verify(secret, headers, request.body)
    assert not signing.verify(secret, headers, request.body + b" ")
    assert not signing.verify(secret, headers, request.body, now=stamp + 3600)
    body = json.loads(request.body)
    assert body["type"] == "fax.received"
    data = body["data"]
    assert data["id"] == fax.pk and data["direction"] == "inbound"
    assert data["from"] == "+18772333839" and data["status"] == "received"
    assert data["pages"] == "1" and data["remote_station_id"] == "CSI"
    assert data["links"]["download"].endswith(f"/api/v1/faxes/{fax.pk}/download")
    delivery.refresh_from_db()
    assert delivery.status == D.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.last_response == "ok"
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


@pytest.mark.django_db
def test_non_2xx_is_retried_with_backoff_then_succeeds(acme, hook_server):
    hook_server.script = [(500, b"boom"), (302, b""), (204, b"")]
    endpoint_for(acme.account, hook_server.url)
    delivery = one_delivery(inbound_fax(acme.account))
    before = timezone.now()
    assert webhooks.deliver(delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.status == D.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_response == "boom"
    assert delivery.last_error == "HTTP 500"
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 27 <= wait <= 34  # 30 s ± 10 %
    assert webhooks.deliver(delivery.pk) == "skipped"  # not due yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.deliver(delivery.pk) == "retrying"  # redirects are not followed
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert 54 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 67
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.deliver(delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.status == D.SUCCEEDED
    assert len({r.headers["webhook-id"] for r in hook_server.requests}) == 1
    assert len({r.body for r in hook_server.requests}) == 1  # the same body every time


@pytest.mark.django_db
def test_timeout_is_retried(acme, hook_server, settings):
    settings.FAXPORTAL_WEBHOOK_TIMEOUT = 1
    hook_server.script = [(-3, b"")]
    endpoint_for(acme.account, hook_server.url)
    delivery = one_delivery(inbound_fax(acme.account))
    started = time.monotonic()
    assert webhooks.deliver(delivery.pk) == "retrying"
    assert time.monotonic() - started < 2.5
    delivery.refresh_from_db()
    assert delivery.last_error == "timed out after 1 s" and delivery.last_status_code is None


@pytest.mark.django_db
def test_gives_up_a_day_after_the_event(acme, hook_server):
    hook_server.script = [(503, b"down")]
    endpoint_for(acme.account, hook_server.url)
    delivery = one_delivery(inbound_fax(acme.account))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=25), attempts=13
    )
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == D.FAILED and delivery.attempts == 14
    assert delivery.last_status_code == 503 and delivery.next_attempt_at is None


def test_backoff_keeps_trying_for_a_day(settings, monkeypatch):
    monkeypatch.setattr("random.uniform", lambda a, b: 1.0)
    delays = [webhooks.retry_delay(n).total_seconds() for n in range(1, 16)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == settings.FAXPORTAL_WEBHOOK_RETRY_DELAY_MAX
    elapsed, attempts = 0.0, 1
    while elapsed < settings.FAXPORTAL_WEBHOOK_RETRY_FOR:
        elapsed += webhooks.retry_delay(attempts).total_seconds()
        attempts += 1
    assert 10 <= attempts <= 20  # about a dozen tries spread over 24 hours


@pytest.mark.django_db
def test_rebinding_to_a_private_address_is_refused_at_delivery(acme, hook_server, monkeypatch):
    endpoint_for(acme.account, "http://hooks.example.com/fax")
    monkeypatch.setitem(FAKE_DNS, "hooks.example.com", ["10.0.0.5"])
    delivery = one_delivery(inbound_fax(acme.account))
    assert webhooks.deliver(delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert "10.0.0.5 is not allowed" in delivery.last_error
    assert hook_server.requests == []


@pytest.mark.django_db
def test_disabled_endpoint_fails_its_pending_deliveries(acme, hook_server):
    endpoint, _ = endpoint_for(acme.account, hook_server.url)
    delivery = one_delivery(inbound_fax(acme.account))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "the endpoint is disabled" and delivery.attempts == 0
    assert hook_server.requests == []


@pytest.mark.django_db
def test_events_go_only_to_subscribed_enabled_endpoints(acme, other, hook_server):
    failed_only, _ = endpoint_for(acme.account, hook_server.url, ["fax.failed"])
    everything, _ = endpoint_for(
        acme.account,
        hook_server.url,
        ["fax.received", "fax.delivered", "fax.failed", "fax.status_changed"],
    )
    endpoint_for(other.account, hook_server.url)
    fax = outbound_fax(acme.account, status=FaxStatus.FAILED, error_code=5148)
    created = webhooks.record_status_change(
        fax_id=fax.pk, account_id=acme.account.pk, from_status="sending", to_status="failed"
    )
    assert sorted((d.endpoint_id, d.event) for d in created) == sorted(
        [
            (failed_only.pk, "fax.failed"),
            (everything.pk, "fax.failed"),
            (everything.pk, "fax.status_changed"),
        ]
    )
    changed = next(d for d in created if d.event == "fax.status_changed")
    assert changed.payload["data"]["previous_status"] == "sending"
    assert changed.payload["data"]["error_code"] == 5148
    queued = webhooks.record_status_change(
        fax_id=fax.pk, account_id=acme.account.pk, from_status="", to_status="queued"
    )
    assert [d.event for d in queued] == ["fax.status_changed"]


@pytest.mark.django_db
def test_receiver_never_breaks_the_engine(acme, monkeypatch):
    from faxes.webhooks.receivers import on_fax_status_changed

    def explode(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(webhooks, "record_status_change", explode)
    on_fax_status_changed(
        None, fax_id="x", account_id=acme.account.pk, from_status="", to_status="queued"
    )


@pytest.mark.django_db
def test_retry_due_enqueues_due_deliveries(acme, hook_server, eager_celery):
    endpoint_for(acme.account, hook_server.url)
    fax = inbound_fax(acme.account)
    due = one_delivery(fax)
    later = one_delivery(fax)
    # Its first message never reached the broker (on-commit hooks do not run here).
    WebhookDelivery.objects.filter(pk=due.pk).update(enqueued_at=None)
    WebhookDelivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1), enqueued_at=None
    )
    assert webhooks.retry_due() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == D.SUCCEEDED and later.status == D.PENDING


@pytest.mark.django_db(transaction=True)
def test_engine_events_reach_both_accounts(clinic, pharmacy, hook_server, eager_celery):
    _, clinic_secret = endpoint_for(
        clinic.account, hook_server.url + "?a=clinic", ["fax.delivered", "fax.failed"]
    )
    endpoint_for(pharmacy.account, hook_server.url + "?a=pharmacy", ["fax.received"])
    client = token_client(clinic.account, "fax:send")
    body = {
        "numbers": ["+12025550120", "+15005550006"],
        "data": base64.b64encode(text_pdf(1)).decode(),
    }
    response = client.post("/api/v1/faxes/send", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    events = sorted(
        (r.path.rsplit("=", 1)[1], json.loads(r.body)["type"], json.loads(r.body)["data"]["to"])
        for r in hook_server.requests
    )
    assert events == [
        ("clinic", "fax.delivered", "+12025550120"),
        ("clinic", "fax.failed", "+15005550006"),
        ("pharmacy", "fax.received", "+12025550120"),
    ]
    failed = next(
        json.loads(r.body)
        for r in hook_server.requests
        if json.loads(r.body)["type"] == "fax.failed"
    )
    assert failed["data"]["status"] == "failed" and failed["data"]["error_message"]
    for request in hook_server.requests:
        if "clinic" in request.path:
            assert signing.verify(clinic_secret, request.headers, request.body)
    assert WebhookDelivery.objects.filter(status=D.SUCCEEDED).count() == 3
    services.sweep()  # nothing left behind for the scheduler
    assert webhooks.retry_due() == 0


@pytest.fixture
def sent_tasks(monkeypatch):
    """Task messages as the broker would get them: (task name, queue, args)."""
    from faxportal.celery import app as celery_app

    sent: list[tuple[str, str, tuple]] = []

    def capture(producer, name, message, **options):
        queue = options.get("queue")
        args = message.body[0]  # protocol 2: (args, kwargs, embed)
        sent.append((name, getattr(queue, "name", queue), tuple(args)))

    monkeypatch.setattr(celery_app.amqp, "send_task_message", capture)
    return sent


def _webhook_messages(sent):
    return [args[0] for name, _queue, args in sent if name == "faxes.webhooks.deliver"]


@pytest.mark.django_db
def test_a_sweep_never_enqueues_a_delivery_already_waiting_in_the_broker(
    acme, hook_server, sent_tasks
):
    hook_server.script = [(500, b"down"), (200, b"ok")]
    endpoint_for(acme.account, hook_server.url)
    fresh = one_delivery(inbound_fax(acme.account))  # enqueued when it was made
    assert webhooks.retry_due() == 0
    # Its attempt fails; once the retry is due, a sweep enqueues it exactly once.
    assert webhooks.deliver(fresh.pk) == "retrying"
    WebhookDelivery.objects.filter(pk=fresh.pk).update(next_attempt_at=timezone.now())
    assert webhooks.retry_due() == 1
    assert webhooks.retry_due() == 0
    assert webhooks.retry_due() == 0
    assert _webhook_messages(sent_tasks) == [fresh.pk]
    # A message lost by the broker: the lease runs out and the sweep sends another.
    later = timezone.now() + webhooks.ENQUEUE_LEASE + timedelta(seconds=1)
    assert webhooks.retry_due(now=later) == 1
    assert _webhook_messages(sent_tasks) == [fresh.pk, fresh.pk]
    # The worker takes it (the lease is released) and it succeeds: nothing is left due.
    assert webhooks.deliver(fresh.pk) == "succeeded"
    assert webhooks.retry_due(now=later) == 0


@pytest.mark.django_db
def test_a_delivery_that_could_not_be_enqueued_is_swept_at_once(
    acme, monkeypatch, django_capture_on_commit_callbacks
):
    from faxes.tasks import deliver_task

    def broker_down(*args, **kwargs):
        raise OSError("broker down")

    endpoint_for(acme.account, "https://hooks.example.com/fax")
    monkeypatch.setattr(deliver_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = one_delivery(inbound_fax(acme.account))
    delivery.refresh_from_db()
    assert delivery.enqueued_at is None
    sent = []
    monkeypatch.setattr(deliver_task, "delay", sent.append)
    assert webhooks.retry_due() == 1 and sent == [delivery.pk]


@pytest.mark.django_db
def test_webhook_tasks_have_their_own_queue_and_fax_tasks_the_default(
    acme, clinic, hook_server, sent_tasks, django_capture_on_commit_callbacks
):
    from faxes.tasks import retry_due_task

    endpoint_for(acme.account, hook_server.url)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = one_delivery(inbound_fax(acme.account))
        services.submit_fax(
            account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
            documents=[services.UploadedFile(text_pdf(1), "a.pdf")],
        )  # fmt: skip
    retry_due_task.delay()
    queues = {name: queue for name, queue, _args in sent_tasks}
    assert queues["faxes.webhooks.deliver"] == "webhooks"
    assert queues["faxes.webhooks.retry_due"] == "webhooks"
    assert queues["faxes.process_fax"] == "celery"
    assert _webhook_messages(sent_tasks) == [delivery.pk]


def test_nul_bytes_in_the_endpoints_answer_are_dropped_from_the_log(acme, hook_server):
    hook_server.script = [(500, b"bad\x00answer")]
    webhooks.create_endpoint(acme.account, url=hook_server.url)
    fax = inbound_fax(acme.account, files=False)
    (delivery,) = webhooks.record_status_change(
        fax_id=fax.pk, account_id=fax.account_id, from_status="", to_status="received"
    )
    assert webhooks.deliver(delivery.pk) == "retrying"
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert delivery.last_response == "badanswer" and delivery.last_status_code == 500
