"""Celery tasks of webhook delivery: thin wrappers taking ids (see services.webhooks)."""

from __future__ import annotations

from celery import shared_task

from faxes.services import webhooks


@shared_task(name="faxes.webhooks.deliver", acks_late=True, ignore_result=True)
def deliver_task(delivery_id: str) -> str:
    return webhooks.deliver(delivery_id)


@shared_task(name="faxes.webhooks.retry_due", ignore_result=True)
def retry_due_task() -> int:
    return webhooks.retry_due()
