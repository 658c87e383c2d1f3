"""Celery tasks: thin wrappers that take ids and call the services.

The database holds the state; a task that runs twice, late, or after a
crash finds the fax already moved on and does nothing.
"""

from __future__ import annotations

from celery import shared_task

from faxes import services
from faxes.services import notify, receipts


@shared_task(name="faxes.process_fax", acks_late=True, ignore_result=True)
def process_fax_task(fax_id: str) -> None:
    services.process_fax(fax_id)


@shared_task(name="faxes.sweep", ignore_result=True)
def sweep_task() -> dict[str, int]:
    return services.sweep()


@shared_task(name="faxes.purge_expired", ignore_result=True)
def purge_expired_task() -> int:
    return services.purge_expired_attachments()


@shared_task(
    name="faxes.notify_inbound", acks_late=True, ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8,
)  # fmt: skip
def notify_inbound_task(fax_id: str) -> int:
    return notify.notify_inbound(fax_id)


@shared_task(
    name="faxes.notify_outbound", acks_late=True, ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8,
)  # fmt: skip
def notify_outbound_task(fax_id: str) -> int:
    return notify.notify_outbound(fax_id)


@shared_task(name="faxes.make_receipt", acks_late=True, ignore_result=True)
def make_receipt_task(fax_id: str) -> str:
    return receipts.make_receipt_for(fax_id)


# Webhook delivery tasks (faxes/webhooks/tasks.py) register with Celery here.
from faxes.webhooks import tasks as webhook_tasks  # noqa: E402, F401
