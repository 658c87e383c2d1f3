"""What cloud carriers report, applied to faxes: the engine's side of callbacks and polling.

- :func:`apply_status`: an outbound fax's progress or end (callback or poll). The attempt is
  closed once, under a row lock, so repeated or concurrent deliveries of the same report
  change nothing; the fax then moves exactly as after a synchronous send (delivered, or
  failed/retrying by the engine's retry policy).
- :func:`accept_inbound`: a received fax announced by a carrier is checked against the
  number's owner and gets its ``receiving`` row at once; a task downloads it (with the
  carrier's credentials, size-capped) and files it (``faxes.services.receiving``).
- :func:`watchdog`: faxes a carrier never reported on are polled, and given up on (cancelled
  at the carrier, failed with a clear message) after ``FAXPORTAL_CARRIER_GIVE_UP_AFTER``.
- :func:`cancel_at_carrier`: ask the carrier to stop a fax it is sending.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from faxes import lifecycle, routing
from faxes.carriers import get_transport
from faxes.carriers.base import DELIVERED, FAILED, PROGRESS, CarrierStatus, InboundFax, TxResult
from faxes.carriers.common import (
    CARRIERS,
    CallbackRejected,
    CarrierSettings,
    read_attempt_token,
    settings_for_key,
)
from faxes.models import Attempt, Fax, FaxNumber, FaxStatus
from faxes.services import outbound, receiving
from faxes.services.inbound import MAX_CARRIER_FAX_ID
from faxportal.celery import portal_task

log = logging.getLogger(__name__)
S = FaxStatus
POLL_EVERY = timedelta(minutes=5)  # a stale fax is asked about at most this often


# --- outbound --------------------------------------------------------------------------------


def _find_attempt(transport: str, carrier_id: str, token: str) -> Attempt | None:
    if token:
        attempt_id, fax_id = read_attempt_token(token)
        return Attempt.objects.select_related("fax").filter(pk=attempt_id, fax_id=fax_id).first()
    if not carrier_id:
        return None
    return (
        Attempt.objects.select_related("fax")
        .filter(transport=transport, carrier_id=carrier_id)
        .order_by("-pk")
        .first()
    )


def apply_status(
    transport: str, status: CarrierStatus, *, config_key: str, attempt_token: str = ""
) -> str:
    """Apply a verified carrier report. Returns ``progress``, ``applied`` or ``duplicate``;
    raises CallbackRejected(404) when it is about no attempt sent with this configuration."""
    attempt = _find_attempt(transport, status.carrier_id, attempt_token)
    if attempt is None or attempt.transport != transport:
        raise CallbackRejected(404, "unknown fax")
    if (attempt.details or {}).get("carrier_config") != config_key:
        raise CallbackRejected(404, "unknown fax")  # sent with another carrier account
    if attempt.carrier_id and status.carrier_id and attempt.carrier_id != status.carrier_id:
        raise CallbackRejected(404, "callback URL of another fax")
    if not attempt.carrier_id and status.carrier_id:
        # The report overtook the end of the send request (or the request timed out).
        Attempt.objects.filter(pk=attempt.pk, carrier_id="").update(carrier_id=status.carrier_id)
    return _apply(attempt, status)


def _apply(attempt: Attempt, status: CarrierStatus) -> str:
    if status.state == PROGRESS:
        with transaction.atomic():
            current = (
                Attempt.objects.select_for_update()
                .filter(pk=attempt.pk, ended_at__isnull=True)
                .values_list("details", flat=True)
                .first()
            )
            if current is None:
                return "duplicate"  # a late or repeated report of an attempt already over
            details = {**(current or {}), "carrier_status": status.carrier_status,
                       "carrier_updated_at": timezone.now().isoformat()}  # fmt: skip
            Attempt.objects.filter(pk=attempt.pk).update(details=details)
        return "progress"
    result = status.result or TxResult(success=status.state == DELIVERED)
    with transaction.atomic():
        open_attempt = (
            Attempt.objects.select_for_update().filter(pk=attempt.pk, ended_at__isnull=True).first()
        )
        if open_attempt is None:
            return "duplicate"
        cancel_requested = (open_attempt.details or {}).get("cancel_requested")
        if status.state == FAILED and not status.cancelled and cancel_requested:
            # Carriers word a cancelled fax's end differently; we asked, so it is final.
            text = f"cancelled on request ({status.message or result.result_text})"
            status = replace(status, permanent=True, cancelled=True, message=text[:500])
        merged = {**(open_attempt.details or {}), **result.details}
        outbound.record_attempt(open_attempt, replace(result, details=merged))
        fax = Fax.objects.get(pk=attempt.fax_id)
        if fax.status != S.SENDING:
            return "applied"  # the fax moved on (e.g. given up on); the attempt is recorded
        if status.state == DELIVERED:
            if lifecycle.transition(
                fax.pk,
                [S.SENDING],
                S.DELIVERED,
                f"delivered ({attempt.transport})",
                claim=fax.claim_token,
                remote_station_id=result.receiver_id[:32],
                error_code=None,
                error_message="",
                failure_code="",
            ):
                outbound.notify_finished(fax.pk)
        else:
            outbound.fail_or_retry(
                fax,
                fax.claim_token,
                S.SENDING,
                status.message or result.result_text,
                permanent=status.permanent,
                code=result.result_code,
            )
    return "applied"


def cancel_at_carrier(fax: Fax) -> bool:
    """Ask the carrier to stop a fax it is sending; its callback then ends the fax (failed,
    "cancelled", not retried). False when the transport or the carrier cannot."""
    transport = get_transport(fax.transport or None)
    if fax.status != S.SENDING or not transport.reports_later:
        return False
    attempt = Attempt.objects.filter(fax=fax, ended_at__isnull=True).order_by("-number").first()
    if attempt is None:
        return False
    Attempt.objects.filter(pk=attempt.pk).update(
        details={**(attempt.details or {}), "cancel_requested": timezone.now().isoformat()}
    )
    return transport.cancel(fax, attempt)


# --- the watchdog ----------------------------------------------------------------------------


def _give_up(attempt: Attempt, fax: Fax) -> None:
    transport = get_transport(attempt.transport)
    if attempt.carrier_id:
        transport.cancel(fax, attempt)  # best effort: it may still be dialling
    hours = settings.FAXPORTAL_CARRIER_GIVE_UP_AFTER / 3600
    text = (
        f"no final status from {attempt.transport} {hours:g} h after sending; the carrier "
        "was asked to cancel it. Check with the recipient before sending again."
    )
    status = CarrierStatus(
        attempt.carrier_id, FAILED, "timeout", TxResult(False, None, text[:255]), True, text
    )
    _apply(attempt, status)


def _watch(fax: Fax, now: datetime, give_up_before: datetime, counts: dict[str, int]) -> None:
    attempt = Attempt.objects.filter(fax=fax, ended_at__isnull=True).order_by("-number").first()
    if attempt is None:
        # The worker died before the carrier was asked: nothing went out, send again.
        if lifecycle.transition(fax.pk, [S.SENDING], S.QUEUED, "worker lost before send"):
            outbound.enqueue(fax.pk)
            counts["requeued"] += 1
        return
    if not attempt.carrier_id:
        # The send request's outcome is unknown (worker died, or no answer). Ending the
        # attempt also kills its media link, so a fax the carrier did create cannot
        # fetch the document any more; then the engine's retry policy applies.
        text = f"no answer from {attempt.transport} to the send request"
        _apply(
            attempt,
            CarrierStatus("", FAILED, "unknown", TxResult(False, None, text), False, text),
        )
        counts["completed"] += 1
        return
    polled = (attempt.details or {}).get("polled_at")
    if polled and now - datetime.fromisoformat(polled) < POLL_EVERY:
        return
    Attempt.objects.filter(pk=attempt.pk).update(
        details={**(attempt.details or {}), "polled_at": now.isoformat()}
    )
    attempt.refresh_from_db(fields=["details"])
    counts["polled"] += 1
    status = get_transport(attempt.transport).fetch_status(fax, attempt)
    if status is not None and status.state != PROGRESS:
        _apply(attempt, status)
        counts["completed"] += 1
    elif attempt.started_at < give_up_before:
        _give_up(attempt, fax)
        counts["given_up"] += 1


def watchdog(now=None) -> dict[str, int]:
    """Faxes a carrier should have reported on: ask it, and give up on them in the end."""
    now = now or timezone.now()
    counts = {"polled": 0, "completed": 0, "given_up": 0, "requeued": 0}
    poll_before = now - timedelta(seconds=settings.FAXPORTAL_CARRIER_POLL_AFTER)
    give_up_before = now - timedelta(seconds=settings.FAXPORTAL_CARRIER_GIVE_UP_AFTER)
    stale = Fax.objects.filter(
        status=S.SENDING, transport__in=CARRIERS, status_changed_at__lt=poll_before
    )
    for fax in stale.select_related("account", "faxbox").iterator(chunk_size=100):
        try:
            _watch(fax, now, give_up_before, counts)
        except Exception:  # one carrier's trouble must not stop the others being checked
            log.exception("watchdog could not check fax %s", fax.pk)
    return counts


# --- inbound ------------------------------------------------------------------------------------


def _owner(to_number: str) -> FaxNumber | None:
    destination = routing.route(to_number)
    return destination.owner if destination.may_receive else None


def may_receive(config: CarrierSettings, to_number: str) -> bool:
    """Does the called number belong to a faxbox this carrier configuration serves?"""
    number = _owner(to_number)
    return number is not None and config.serves_number(number)


def refuse_offer(transport: str, offer: InboundFax | dict[str, Any]) -> None:
    """A fax offered to a number this carrier configuration does not serve (it is rejected)."""
    if isinstance(offer, InboundFax):
        offer = offer.to_json()
    receiving.refuse(
        transport, offer, "no faxbox served by this carrier configuration owns the number"
    )


def _already_filed(transport: str, carrier_fax_id: str) -> bool:
    return Fax.objects.filter(
        direction="inbound", transport=transport, carrier_fax_id=carrier_fax_id
    ).exists()


def accept_inbound(transport: str, inbound: InboundFax | dict[str, Any]) -> str:
    """A verified announcement of a received fax: ``queued`` (its ``receiving`` row is
    made now, the download task fills it), ``duplicate`` or ``refused`` (logged as an
    inbound refusal). ``inbound`` as a dict: a message queued by an earlier version."""
    announcement = inbound.to_json() if isinstance(inbound, InboundFax) else dict(inbound)
    carrier_fax_id = announcement.get("carrier_fax_id")
    if not isinstance(carrier_fax_id, str) or not 0 < len(carrier_fax_id) <= MAX_CARRIER_FAX_ID:
        receiving.refuse(transport, announcement, "malformed carrier fax id")
        return "refused"
    if _already_filed(transport, carrier_fax_id):
        return "duplicate"
    config = settings_for_key(transport, announcement.get("config_key", ""))
    destination = routing.route(announcement.get("to"))
    owner = destination.owner
    if owner is None or not destination.may_receive or not config.serves_number(owner):
        refuse_offer(transport, announcement)
        return "refused"
    opened = receiving.open_receiving(transport, announcement, owner, destination.called)
    return "queued" if opened is not None else "duplicate"


@portal_task(name="faxes.carrier_download_inbound", ignore_result=True)
def download_inbound_task(transport: str, inbound: dict[str, Any]) -> str:
    """A download sent before received faxes had their row from the announcement on (a
    message still on the broker after an upgrade): the announcement is accepted now."""
    return accept_inbound(transport, inbound)


@portal_task(name="faxes.carrier_watchdog", ignore_result=True)
def carrier_watchdog_task() -> dict[str, int]:
    return watchdog()
