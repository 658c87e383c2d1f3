"""Celery tasks of the carrier integration (listed in ``CELERY_IMPORTS``): thin wrappers."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from faxes.services import carrier_events
from faxes.transports.http import CarrierHTTPError


@shared_task(
    name="faxes.carrier_download_inbound",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=8,
)
def download_inbound_task(self, transport: str, inbound: dict[str, Any]) -> str:
    last = self.request.retries >= self.max_retries
    try:
        return carrier_events.download_and_file(transport, inbound, last_try=last)
    except CarrierHTTPError as exc:
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc


@shared_task(name="faxes.carrier_watchdog", ignore_result=True)
def carrier_watchdog_task() -> dict[str, int]:
    return carrier_events.watchdog()
