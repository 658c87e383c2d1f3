"""Webhooks: accounts register endpoints; fax events become signed, retried deliveries.

A delivery is a row (``WebhookDelivery``) created when the event happens, with
the body fixed at that moment. The database holds its state; Celery only
wakes work up. A worker claims a due delivery by moving its
``next_attempt_at`` forward (a lease), POSTs it, and records the answer. A
non-2xx answer, a timeout or a refused address schedules the next attempt
with exponential backoff until ``FAXPORTAL_WEBHOOK_RETRY_FOR`` seconds after
the event; then the delivery is failed. The periodic ``retry_due`` task
enqueues due deliveries, so a lost broker message or a killed worker only
delays one.

Every enqueue is recorded (``enqueued_at``) and the sweep skips deliveries
enqueued less than ``ENQUEUE_LEASE`` ago, so a backlog in the broker is never
multiplied by the sweep. Webhook tasks go to their own Celery queue
(``webhooks``, see ``CELERY_TASK_ROUTES``), so fax work never waits behind them.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account
from faxes.backoff import backoff
from faxes.models import Fax, WebhookDelivery, WebhookEndpoint
from faxes.webhooks import events as event_names
from faxes.webhooks import http, signing
from faxes.webhooks.payloads import event_payload
from faxportal.celery import portal_task

log = logging.getLogger(__name__)
D = WebhookDelivery.Status

MAX_ENDPOINTS_PER_ACCOUNT = 20
# How long an enqueued delivery is left to the broker before the sweep enqueues it
# again (its message may have been lost). Longer than a busy queue takes to drain.
ENQUEUE_LEASE = timedelta(minutes=15)
MAX_URL_LENGTH = 2000
_UNSET: Any = object()


# --- endpoints ----------------------------------------------------------------


def _at_most(limit: int) -> str:
    return gettext("At most %(limit)s characters.") % {"limit": limit}


def check_endpoint_url(url: object) -> str:
    """The URL, stripped, if webhooks may be sent to it; else ValidationError on ``url``.

    The same rules as document URLs: http(s) only, and every address the host
    resolves to must be public. Delivery checks again on every attempt.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValidationError({"url": [gettext("A URL is required.")]})
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError({"url": [_at_most(MAX_URL_LENGTH)]})
    if not url.isprintable():
        raise ValidationError({"url": [gettext("Control characters are not allowed.")]})
    try:  # also refuses any scheme but http(s)
        http.check_url(url)
    except http.DeliveryError as exc:
        raise ValidationError(
            {"url": [gettext("This URL is not allowed: %(why)s.") % {"why": exc.message}]}
        ) from None
    return url


def _check_events(events: object) -> list[str]:
    if events is None:
        return list(event_names.DEFAULT_EVENTS)
    if not isinstance(events, list) or not events:
        raise ValidationError({"events": [gettext("Give a non-empty list of events.")]})
    if not all(isinstance(e, str) for e in events):
        raise ValidationError(
            {"events": [gettext("Events are names (strings), e.g. fax.received.")]}
        )
    unknown = [e for e in events if e not in event_names.ALL_EVENTS]
    if unknown:
        known = ", ".join(event_names.ALL_EVENTS)
        raise ValidationError(
            {
                "events": [
                    gettext("Unknown event %(event)s; known: %(known)s.")
                    % {"event": repr(unknown[0]), "known": known}
                ]
            }
        )
    return list(dict.fromkeys(events))


def _check_secret(secret: object) -> str:
    if secret is None:
        return signing.generate_secret()
    try:
        signing.secret_key(secret)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationError(
            {"secret": [gettext("Invalid secret: %(why)s.") % {"why": exc}]}
        ) from None
    return secret  # type: ignore[return-value]


def _check_text(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: [gettext("Must be a string.")]})
    if len(value) > limit:
        raise ValidationError({field: [_at_most(limit)]})
    if not value.isprintable():  # NUL cannot even be stored in PostgreSQL
        raise ValidationError({field: [gettext("Control characters are not allowed.")]})
    return value


def _check_bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError({field: [gettext("Must be true or false.")]})
    return value


def _collect(checks: dict[str, Any]) -> dict[str, Any]:
    """Run every check, so one answer lists every bad field."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return values


def create_endpoint(
    account: Account,
    *,
    url: object = None,
    events: object = None,
    description: object = "",
    enabled: object = True,
    secret: object = None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (generated unless given)."""
    values = _collect(
        {
            "url": lambda: check_endpoint_url(url),
            "events": lambda: _check_events(events),
            "description": lambda: _check_text("description", description, 200),
            "enabled": lambda: _check_bool("enabled", enabled),
            "secret": lambda: _check_secret(secret),
        }
    )
    if WebhookEndpoint.objects.for_account(account).count() >= MAX_ENDPOINTS_PER_ACCOUNT:
        raise ValidationError(
            {
                "url": [
                    gettext("An account can register at most %(limit)s endpoints.")
                    % {"limit": MAX_ENDPOINTS_PER_ACCOUNT}
                ]
            }
        )
    endpoint = WebhookEndpoint.objects.create(account=account, **values)
    return endpoint, values["secret"]


def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    url: object = _UNSET,
    events: object = _UNSET,
    description: object = _UNSET,
    enabled: object = _UNSET,
) -> WebhookEndpoint:
    checks: dict[str, Any] = {}
    if url is not _UNSET:
        checks["url"] = lambda: check_endpoint_url(url)
    if events is not _UNSET:
        checks["events"] = lambda: _check_events(events if events is not None else [])
    if description is not _UNSET:
        checks["description"] = lambda: _check_text("description", description, 200)
    if enabled is not _UNSET:
        checks["enabled"] = lambda: _check_bool("enabled", enabled)
    values = _collect(checks)
    for name, value in values.items():
        setattr(endpoint, name, value)
    if values:
        endpoint.save(update_fields=[*values, "updated_at"])
    return endpoint


MAX_SECRET_GRACE = 7 * 24 * 3600


def _check_grace(grace: object) -> int:
    if grace is None:
        return settings.FAXPORTAL_WEBHOOK_SECRET_GRACE
    if isinstance(grace, bool) or not isinstance(grace, int):
        raise ValidationError({"grace_seconds": [gettext("Must be a whole number of seconds.")]})
    if not 0 <= grace <= MAX_SECRET_GRACE:
        raise ValidationError(
            {
                "grace_seconds": [
                    gettext("Must be 0 to %(max)s seconds.") % {"max": MAX_SECRET_GRACE}
                ]
            }
        )
    return grace


def rotate_secret(endpoint: WebhookEndpoint, secret: object = None, grace: object = None) -> str:
    """Replace the signing secret; returns the new one (shown once).

    The old secret keeps signing deliveries (beside the new one) for ``grace``
    seconds (default ``FAXPORTAL_WEBHOOK_SECRET_GRACE``), so a receiver can
    switch over without refusing anything; 0 drops it at once (a leaked secret).
    """
    values = _collect(
        {"secret": lambda: _check_secret(secret), "grace": lambda: _check_grace(grace)}
    )
    old = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("secret", flat=True).first()
    endpoint.secret = values["secret"]
    if values["grace"] and old:
        endpoint.previous_secret = old
        endpoint.previous_secret_expires_at = timezone.now() + timedelta(seconds=values["grace"])
    else:
        endpoint.previous_secret = ""
        endpoint.previous_secret_expires_at = None
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return values["secret"]


def signing_secrets(endpoint: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, then the previous
    one while its grace period lasts."""
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > (now or timezone.now()):
        keys.append(endpoint.previous_secret)
    return keys


# --- creating deliveries --------------------------------------------------------


def record_status_change(
    *, fax_id: str, account_id: str, from_status: str, to_status: str
) -> list[WebhookDelivery]:
    """Create (and enqueue) the deliveries a fax's status change calls for."""
    raised = event_names.events_for(to_status)
    # The secret is not needed here; deferring it skips decrypting every endpoint's.
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(account_id=account_id, enabled=True).only(
            "id", "account_id", "events"
        )
        if set(endpoint.events) & set(raised)
    ]
    if not endpoints:
        return []
    fax = Fax.objects.filter(pk=fax_id).first()
    if fax is None:
        return []
    now = timezone.now()
    payloads = {event: event_payload(event, fax, from_status) for event in raised}
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint.pk,
            account_id=account_id,
            event=event,
            fax_id=fax.pk,
            payload=payloads[event],
            next_attempt_at=now,
            enqueued_at=now,
        )
        for endpoint in endpoints
        for event in raised
        if event in endpoint.events
    ]
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            enqueue(delivery.pk)
    return deliveries


def enqueue(delivery_id: str) -> None:
    """Wake a worker once the current transaction commits; the sweep covers a failure."""

    def release() -> None:
        # Not on the broker after all: the next sweep may take it at once.
        WebhookDelivery.objects.filter(pk=delivery_id).update(enqueued_at=None)

    deliver_task.delay_on_commit(delivery_id, if_lost=release)


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an earlier delivery's body again, as a new delivery (the old one stays logged)."""
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            endpoint_id=delivery.endpoint_id,
            account_id=delivery.account_id,
            event=delivery.event,
            fax_id=delivery.fax_id,
            payload=delivery.payload,
            next_attempt_at=timezone.now(),
            enqueued_at=timezone.now(),
        )
        enqueue(copy.pk)
    return copy


# --- delivering ----------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed tries, from the base delay up to its maximum."""
    return backoff(
        attempts, settings.FAXPORTAL_WEBHOOK_RETRY_DELAY, settings.FAXPORTAL_WEBHOOK_RETRY_DELAY_MAX
    )


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _claim(delivery_id: str, now: datetime) -> bool:
    """Take a due delivery by pushing its next attempt past this one (a lease).

    Two workers (or a task and the sweep) can never POST the same delivery at
    once; if this worker dies, the lease runs out and the sweep finds it due.
    """
    lease = now + timedelta(seconds=settings.FAXPORTAL_WEBHOOK_TIMEOUT + 60)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        WebhookDelivery.objects.filter(due, pk=delivery_id, status=D.PENDING).update(
            next_attempt_at=lease, enqueued_at=None
        )
    )


def deliver(delivery_id: str) -> str:
    """One attempt at a due delivery: ``succeeded``, ``retrying``, ``failed`` or ``skipped``."""
    if not _claim(delivery_id, timezone.now()):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    status_code: int | None = None
    response = ""
    error = ""
    if not endpoint.enabled:
        return _finish(delivery, D.FAILED, error="the endpoint is disabled", attempted=False)
    try:
        body = body_of(delivery)
        headers = signing.signed_headers(signing_secrets(endpoint), delivery.pk, body)
        headers["webhook-event"] = delivery.event
        result = http.post(endpoint.url, body, headers, settings.FAXPORTAL_WEBHOOK_TIMEOUT)
        status_code, response = result.status, result.body
        if result.ok:
            return _finish(delivery, D.SUCCEEDED, status_code=status_code, response=response)
        error = f"HTTP {status_code}"
    except http.DeliveryError as exc:
        error = exc.message
    except Exception as exc:  # a bug or a damaged secret must not lose the delivery
        log.exception("webhook delivery %s failed unexpectedly", delivery_id)
        error = f"internal error: {type(exc).__name__}"
    return _retry_or_fail(delivery, status_code=status_code, response=response, error=error)


def _retry_or_fail(delivery: WebhookDelivery, *, status_code, response, error) -> str:
    now = timezone.now()
    attempts = delivery.attempts + 1
    deadline = delivery.created_at + timedelta(seconds=settings.FAXPORTAL_WEBHOOK_RETRY_FOR)
    if now >= deadline:
        return _finish(delivery, D.FAILED, status_code=status_code, response=response, error=error)
    next_at = min(now + retry_delay(attempts), deadline)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=D.PENDING).update(
        attempts=attempts,
        next_attempt_at=next_at,
        last_status_code=status_code,
        last_response=response,
        last_error=error[:500],
    )
    return "retrying"


def _finish(delivery, status, *, status_code=None, response="", error="", attempted=True) -> str:
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk, status=D.PENDING).update(
        status=status,
        attempts=delivery.attempts + (1 if attempted else 0),
        next_attempt_at=None,
        last_status_code=status_code,
        last_response=response,
        last_error=error[:500],
        delivered_at=now if status == D.SUCCEEDED else None,
    )
    return str(status)


def retry_due(now: datetime | None = None, batch: int = 500) -> int:
    """Enqueue deliveries whose next attempt is due (run periodically by Celery beat).

    Each one is leased first (``enqueued_at``): one already waiting in the broker
    is left alone until ``ENQUEUE_LEASE`` has passed, so sweeps never pile copies
    of a backlog onto the queue. Concurrent sweeps skip each other's rows.
    """
    now = now or timezone.now()
    not_enqueued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_LEASE)
    with transaction.atomic():
        due = (
            WebhookDelivery.objects.filter(not_enqueued, status=D.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:batch])
        WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    count = 0
    for position, delivery_id in enumerate(ids):
        if not deliver_task.delay_safely(delivery_id):
            # Release the rest, so the next sweep tries them again at once.
            WebhookDelivery.objects.filter(pk__in=ids[position:], enqueued_at=now).update(
                enqueued_at=None
            )
            break
        count += 1
    return count


@portal_task(name="faxes.webhooks.deliver", acks_late=True, ignore_result=True)
def deliver_task(delivery_id: str) -> str:
    return deliver(delivery_id)


@portal_task(name="faxes.webhooks.retry_due", ignore_result=True)
def retry_due_task() -> int:
    return retry_due()
