"""Domain operations on faxboxes and faxes. Views, APIs, commands and tasks call these."""

from faxes.services.cancel import cancel_fax
from faxes.services.cover import CoverFields
from faxes.services.faxboxes import create_faxbox
from faxes.services.inbound import UnroutableNumber, receive_fax
from faxes.services.outbound import process_fax, sweep
from faxes.services.receipts import make_receipt, receipt_pdf
from faxes.services.resend import forward_fax, resubmit_fax
from faxes.services.retention import delete_fax, purge_attachment, purge_expired_attachments
from faxes.services.submit import (
    IdempotencyKeyReused,
    SubmitResult,
    UploadedFile,
    UrlDocument,
    submit_fax,
)

__all__ = [
    "CoverFields",
    "IdempotencyKeyReused",
    "SubmitResult",
    "UnroutableNumber",
    "UploadedFile",
    "UrlDocument",
    "cancel_fax",
    "create_faxbox",
    "delete_fax",
    "forward_fax",
    "make_receipt",
    "process_fax",
    "purge_attachment",
    "purge_expired_attachments",
    "receipt_pdf",
    "receive_fax",
    "resubmit_fax",
    "submit_fax",
    "sweep",
]
