"""Every Celery task of the app, for the worker to register (``autodiscover_tasks`` reads
this module). Each task lives beside the service it runs and only takes ids: the
database holds the state, so a task that runs twice, late, or after a crash finds the
fax already moved on and does nothing.
"""

from faxes.services.carrier_events import carrier_watchdog_task, download_inbound_task
from faxes.services.mail_in import process_message_task, rescue_task
from faxes.services.notify import notify_inbound_task, notify_outbound_task
from faxes.services.ocr import ocr_fax_task
from faxes.services.outbound import process_fax_task, sweep_task
from faxes.services.receipts import make_receipt_task
from faxes.services.receiving import download_receiving_task
from faxes.services.retention import purge_expired_task
from faxes.services.webhooks import deliver_task, retry_due_task

__all__ = [
    "carrier_watchdog_task",
    "deliver_task",
    "download_inbound_task",
    "download_receiving_task",
    "make_receipt_task",
    "notify_inbound_task",
    "notify_outbound_task",
    "ocr_fax_task",
    "process_fax_task",
    "process_message_task",
    "purge_expired_task",
    "rescue_task",
    "retry_due_task",
    "sweep_task",
]
