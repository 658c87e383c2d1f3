"""Serializers that document the native API's bodies in the OpenAPI schema.

The views build their answers with ``presenters`` (plain dicts, for speed);
these classes only describe them. The schemathesis test validates every
answer against the schema generated from here, so the two cannot drift apart
unnoticed.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers as s

from accounts.models import MAX_RETENTION_DAYS
from faxes.models import FaxStatus, WebhookDelivery
from faxes.native_format import FILTERS
from faxes.webhooks.events import ALL_EVENTS
from faxes.webhooks.signing import MAX_KEY_BYTES, MIN_KEY_BYTES, SECRET_PREFIX

V1_STATUSES = sorted(
    {"queued", "sending", "delivered", "failed", "received", "scheduled", "cancelled", "receiving"}
)
LIFECYCLE_STATUSES = list(FaxStatus.values)
EVENTS = list(ALL_EVENTS)
DELIVERY_STATUSES = list(WebhookDelivery.Status.values)
RESOLUTIONS = ["fine", "standard"]
# The contract's example, kept as the schema's example.
STAMP = "2026-02-10T08:13:48.308Z"


def text(help_text: str = "", **kwargs) -> s.CharField:
    return s.CharField(help_text=help_text, **kwargs)


def maybe(field_class=s.CharField, help_text: str = "", **kwargs):
    return field_class(allow_null=True, help_text=help_text, **kwargs)


class Error(s.Serializer):
    error = s.ChoiceField(
        choices=[
            "bad_request",
            "unauthorized",
            "forbidden",
            "not_found",
            "method_not_allowed",
            "not_acceptable",
            "conflict",
            "payload_too_large",
            "unsupported_media_type",
            "unprocessable_entity",
            "too_many_requests",
            "internal_error",
        ],
        help_text="Machine-readable code.",
    )
    message = text("What went wrong, for people.")
    details = s.DictField(
        child=s.ListField(child=s.CharField()),
        required=False,
        help_text="Per-field messages of a 400, when there are several.",
    )


class Pagination(s.Serializer):
    page = s.IntegerField(required=False, help_text="Current page (page/limit paging).")
    limit = s.IntegerField(help_text="Items per page.")
    total = s.IntegerField(required=False, help_text="Total matching items (page paging).")
    total_pages = s.IntegerField(required=False, help_text="Total pages (page paging).")
    cursor = maybe(help_text="The cursor this page was asked with (cursor paging).", required=False)
    next_cursor = maybe(help_text="Pass as ?cursor= for the next page; null on the last.")


# --- received faxes ---------------------------------------------------------------


class ReceivedFax(s.Serializer):
    id = text("Fax id.")
    from_ = maybe(help_text="Sender number (E.164); null when the caller was anonymous.")
    to = text("The number that received it.")
    pages = maybe(help_text='Page count, as a string ("1").')
    status = s.ChoiceField(choices=V1_STATUSES)
    remote_station_id = maybe(help_text="The sender's fax station id (CSI/TSI).")
    received_at = text(f"When it arrived ({STAMP}).")
    file_size = maybe(s.IntegerField, "PDF size in bytes.")
    has_tiff = s.BooleanField()
    tiff_file_size = maybe(s.IntegerField, "TIFF size in bytes.")
    downloaded = s.BooleanField(help_text="Downloaded with the calling token.")
    downloaded_at = maybe(help_text="When the calling token downloaded or marked it.")
    faxbox_id = maybe(help_text="Extension: the faxbox that received it.")


class ReceivedFaxDetail(ReceivedFax):
    media_url = maybe(help_text="Where to download the PDF (this API, with your token).")
    filename = maybe(help_text="File name of the PDF download.")
    tiff_filename = maybe(help_text="File name of the TIFF download.")
    tiff_converted_at = maybe()
    attachment_purged_at = maybe(help_text="Extension: when retention deleted the files.")
    files_purge_at = maybe(
        help_text="Extension: when retention will delete the files (the faxbox's, else the "
        "account's, else the portal's retention_days); null when they are kept."
    )


class ReceivedFaxes(s.Serializer):
    faxes = ReceivedFax(many=True)


class ReceivedListAnswer(s.Serializer):
    data_ = ReceivedFaxes()
    pagination = Pagination()


class ReceivedDetailAnswer(s.Serializer):
    data_ = ReceivedFaxDetail()


class DownloadState(s.Serializer):
    id = text()
    downloaded = s.BooleanField()
    downloaded_at = maybe()


class DownloadStateAnswer(s.Serializer):
    data_ = DownloadState()


# --- sent faxes -------------------------------------------------------------------


class SentFax(s.Serializer):
    sid = text("Fax id (the contract's name).")
    id = text("Extension: the same id.")
    to = text()
    from_ = maybe(help_text="Extension: the sending number.")
    media_url = text("The document's URL as given, or where to download an upload.")
    original_filename = maybe()
    status = s.ChoiceField(choices=V1_STATUSES)
    status_detail = s.ChoiceField(choices=LIFECYCLE_STATUSES, help_text="Exact lifecycle state.")
    pages = maybe(help_text="Page count as a string; null until the document is rendered.")
    estimated_line_seconds = maybe(
        s.FloatField,
        "Extension: seconds the call holds a fax line at 14,400 bit/s, from the rendered pages; "
        "null until the document is rendered (a fetched document).",
    )
    error_code = maybe(s.IntegerField, "Failure code (T.30 codes are 5100 + n).")
    error_message = maybe()
    sent_at = text("When the send request was accepted.")
    updated_at = text()
    scheduled_at = maybe()
    completed_at = maybe()
    attempt_count = s.IntegerField()
    faxbox_id = maybe()


class Attempt(s.Serializer):
    number = s.IntegerField()
    started_at = text()
    ended_at = maybe()
    success = maybe(s.BooleanField)
    result_code = maybe(s.IntegerField, "0 on success, else the T.30 or carrier code.")
    result_text = maybe()
    pages_sent = s.IntegerField()
    speed = maybe(s.IntegerField, "bit/s")
    ecm = maybe(s.BooleanField)
    compression = maybe(
        help_text="How the pages were coded on the line: mmr (T.6, with ECM), mr (T.4 2-D) or "
        "mh (T.4 1-D); null when not known."
    )
    bad_rows = s.IntegerField()
    remote_station_id = maybe()
    duration = s.FloatField(help_text="Seconds on the line.")


class T30Result(s.Serializer):
    code = maybe(s.IntegerField)
    text = maybe()


class Cover(s.Serializer):
    subject = text(required=False)
    message = text(required=False)


class Receipt(s.Serializer):
    id = text("The stored receipt's own id; it never changes.")
    sha256 = maybe(
        help_text="Hex SHA-256 of exactly the fax TIFF transmitted (null when none was)."
    )
    url = text("The receipt PDF.")
    created_at = text()


class CoverIn(s.Serializer):
    subject = text(required=False, max_length=200)
    message = text(required=False, max_length=4000)


class Failure(s.Serializer):
    code = text("Stable failure code (busy, t30_hung_up, document_encrypted, …).")
    category = text("call, t30, carrier, document, fetch, routing or portal.")
    retryable = s.BooleanField(help_text="Whether trying again can help.")
    summary = text("A short technical text.")
    explanation = text("What happened, in plain words.")
    advice = text("What to do about it.")


class SentFaxDetail(SentFax):
    from_name = maybe()
    to_name = maybe()
    resolution = s.ChoiceField(choices=RESOLUTIONS)
    paper_size = maybe(help_text="letter, a4, legal or b4: what the pages are laid out for.")
    retries = s.IntegerField()
    cover = Cover(allow_null=True)
    retry_at = maybe(help_text="When the next attempt is due (status_detail retrying).")
    remote_station_id = maybe()
    failure = Failure(
        allow_null=True,
        help_text="Why the fax failed or waits to retry (null otherwise); webhooks carry the same.",
    )
    t30_result = T30Result(allow_null=True)
    attempts = Attempt(many=True)
    receipt_url = maybe()
    receipt = Receipt(allow_null=True, help_text="Made when the fax finished; null before.")
    attachment_purged_at = maybe(help_text="Extension: when the files were deleted.")
    files_purge_at = maybe(
        help_text="Extension: when retention will delete the files (the faxbox's, else the "
        "account's, else the portal's retention_days); null when they are kept."
    )


class SentFaxes(s.Serializer):
    faxes = SentFax(many=True)


class SentListAnswer(s.Serializer):
    data_ = SentFaxes()
    pagination = Pagination()


class SentDetailAnswer(s.Serializer):
    data_ = SentFaxDetail()


class SentSummary(s.Serializer):
    sid = text()
    to = text()
    media_url = text()
    status = s.ChoiceField(choices=V1_STATUSES)
    id = text()
    status_detail = s.ChoiceField(choices=LIFECYCLE_STATUSES)
    pages = maybe()
    estimated_line_seconds = maybe(
        s.FloatField,
        "Extension: seconds the call holds a fax line at 14,400 bit/s, from the rendered pages; "
        "null until the document is rendered (a fetched document).",
    )
    from_ = maybe()
    scheduled_at = maybe()


class SendAnswer(s.Serializer):
    success = s.BooleanField()
    fax = SentSummary(help_text="The (first) fax, as in the contract.")
    faxes = SentSummary(many=True, help_text="Extension: every fax made, one per recipient.")


class CancelAnswer(s.Serializer):
    success = s.BooleanField()
    fax = SentSummary()


class _SendCommon(s.Serializer):
    to = text(
        "Recipient, E.164 (+14155551234). Required unless number(s) is given.", required=False
    )
    number = text("Extension (faxrocks): one recipient.", required=False)
    numbers = s.ListField(
        child=s.CharField(),
        required=False,
        max_length=10,
        help_text="Extension: up to 10 recipients, one fax each.",
    )
    from_ = text("Extension: sending number, one of the account's.", required=False, max_length=32)
    faxbox_id = text(
        "Extension: sending faxbox (default: the account's first).", required=False, max_length=64
    )
    from_name = text(required=False, max_length=64)
    to_name = text(required=False, max_length=64)
    cover_subject = text("Extension: adds a cover page.", required=False, max_length=200)
    cover_message = text("Extension: adds a cover page.", required=False, max_length=4000)
    resolution = s.ChoiceField(choices=RESOLUTIONS, required=False)
    paper_size = s.ChoiceField(
        choices=["auto", "letter", "a4", "legal", "b4"],
        required=False,
        help_text="Extension: the paper the pages are laid out for (cover page, images, page "
        "length); default auto: the faxbox's.",
    )
    retries = s.IntegerField(
        required=False,
        min_value=0,
        max_value=settings.FAXPORTAL_MAX_RETRIES,
        help_text="Total attempts (0 and 1: one try).",
    )
    scheduled_at = s.DateTimeField(
        required=False,
        help_text="Extension: ISO 8601; send later (not in the past, beyond a few minutes).",
    )
    timezone = text(
        "Extension: zone of a scheduled_at without offset (Europe/Berlin).",
        required=False,
        max_length=64,
    )


class SendJson(_SendCommon):
    media_url = s.URLField(
        help_text="http(s) URL of the PDF to fax (or a list). Required without data.",
        required=False,
        max_length=2000,
    )
    data_ = text("Extension (faxrocks): base64 document (or a list).", required=False)
    filename = text("Extension: file name for data.", required=False, max_length=255)
    cover = CoverIn(required=False)


class SendMultipart(_SendCommon):
    file = s.FileField(
        help_text="The document (PDF, TIFF, PNG, JPEG; max 10 MB). Repeat for several files.",
        required=False,
    )
    media_url = s.URLField(required=False, max_length=2000)


# --- webhooks ---------------------------------------------------------------------


class Webhook(s.Serializer):
    id = text()
    url = text()
    events = s.ListField(child=s.ChoiceField(choices=EVENTS))
    description = text()
    enabled = s.BooleanField()
    previous_secret_expires_at = maybe(
        help_text="After a rotation: until then deliveries are also signed with the old secret."
    )
    created_at = text()
    updated_at = text()


class WebhookWithSecret(Webhook):
    secret = text("whsec_… signing secret. Shown only now.")


# whsec_ and base64 of MIN_KEY_BYTES to MAX_KEY_BYTES bytes (groups of 4, optional padding).
_GROUPS = f"{{{-(-MIN_KEY_BYTES // 3)},{(MAX_KEY_BYTES - 2) // 3}}}"
SECRET_PATTERN = (
    rf"^{SECRET_PREFIX}(?:[A-Za-z0-9+/]{{4}}){_GROUPS}"
    r"(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
)


class WebhookIn(s.Serializer):
    url = s.URLField(
        help_text="http(s) URL; must resolve to public addresses only.", max_length=2000
    )
    events = s.ListField(
        child=s.ChoiceField(choices=EVENTS),
        required=False,
        min_length=1,
        help_text="Default: fax.received, fax.delivered, fax.failed.",
    )
    description = text(required=False, max_length=200)
    enabled = s.BooleanField(required=False)
    secret = s.RegexField(
        SECRET_PATTERN,
        help_text="Your own whsec_<base64> secret (default: generated).",
        required=False,
    )


class WebhookPatch(WebhookIn):
    url = s.URLField(required=False, max_length=2000)
    secret = None  # type: ignore[assignment]  # DRF drops an inherited field set to None


class SecretIn(s.Serializer):
    secret = s.RegexField(
        SECRET_PATTERN,
        help_text="Your own whsec_<base64> secret (default: generated).",
        required=False,
    )
    grace_seconds = s.IntegerField(
        required=False,
        min_value=0,
        max_value=7 * 24 * 3600,
        help_text="How long the old secret keeps signing too (default: "
        "FAXPORTAL_WEBHOOK_SECRET_GRACE, 24 h); 0 stops it at once.",
    )


class Webhooks(s.Serializer):
    webhooks = Webhook(many=True)


class WebhookListAnswer(s.Serializer):
    data_ = Webhooks()


class WebhookAnswer(s.Serializer):
    data_ = Webhook()


class WebhookSecretAnswer(s.Serializer):
    data_ = WebhookWithSecret()


class Delivery(s.Serializer):
    id = text()
    endpoint_id = text()
    event = s.ChoiceField(choices=EVENTS)
    fax_id = maybe()
    status = s.ChoiceField(choices=DELIVERY_STATUSES)
    attempts = s.IntegerField()
    next_attempt_at = maybe()
    last_status_code = maybe(s.IntegerField)
    last_response = maybe(help_text="Start of the endpoint's last answer.")
    last_error = maybe()
    created_at = text()
    delivered_at = maybe()
    payload = s.DictField(help_text="The body sent.")


class Deliveries(s.Serializer):
    deliveries = Delivery(many=True)


class DeliveryListAnswer(s.Serializer):
    data_ = Deliveries()
    pagination = Pagination()


class DeliveryAnswer(s.Serializer):
    data_ = Delivery()


STATUS_FILTERS = list(FILTERS)


def _rename(serializer: type[s.Serializer], old: str, new: str) -> None:
    """Fields named like Python keywords (``from``) or like a serializer's own attributes
    (``data``) are declared with a trailing underscore (``from_``, ``data_``)."""
    fields = serializer._declared_fields
    items = [(new if name == old else name, field) for name, field in fields.items()]
    fields.clear()
    fields.update(items)


for _shape in (
    ReceivedFax,
    ReceivedFaxDetail,
    SentFax,
    SentFaxDetail,
    SentSummary,
    _SendCommon,
    SendJson,
    SendMultipart,
):
    _rename(_shape, "from_", "from")

for _answer in (
    ReceivedListAnswer,
    ReceivedDetailAnswer,
    DownloadStateAnswer,
    SentListAnswer,
    SentDetailAnswer,
    SendJson,
    WebhookListAnswer,
    WebhookAnswer,
    WebhookSecretAnswer,
    DeliveryListAnswer,
    DeliveryAnswer,
):
    _rename(_answer, "data_", "data")


_RETENTION_HELP = (
    "Days after which finished faxes' files are purged (their records stay); 0 keeps them; "
    "null inherits (a faxbox from its account, an account from the portal)."
)


class RetentionPatch(s.Serializer):
    retention_days = s.IntegerField(
        allow_null=True, min_value=0, max_value=MAX_RETENTION_DAYS, help_text=_RETENTION_HELP
    )


class FaxboxPatch(s.Serializer):
    retention_days = s.IntegerField(
        allow_null=True,
        required=False,
        min_value=0,
        max_value=MAX_RETENTION_DAYS,
        help_text=_RETENTION_HELP,
    )
    paper_size = s.ChoiceField(
        choices=["auto", "letter", "a4", "legal", "b4"],
        allow_null=True,
        required=False,
        help_text="What its faxes are laid out for; auto (or null): Letter for +1 numbers, "
        "A4 elsewhere.",
    )
    mail_body = s.ChoiceField(
        choices=["cover", "none", "text"],
        required=False,
        help_text="What the text of an e-mail to the faxbox becomes: cover (a cover page from "
        "subject and body), none (attachments only), text (a plain-text page).",
    )
