from __future__ import annotations

import secrets
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ids import new_id
from accounts.models import MAX_RETENTION_DAYS, Account, validate_timezone
from accounts.tenancy import TenantManager, TenantQuerySet
from faxes.carriers import registry
from faxportal.crypto import EncryptedTextField


def fax_folder(fax: Any) -> str:
    """Each fax's files live at an id-derived path: faxes/<account>/<fax>/."""
    return f"faxes/{fax.account_id}/{fax.pk}/"


def fax_file_path(instance: models.Model, filename: str) -> str:
    return fax_folder(getattr(instance, "fax", instance)) + filename


class FaxboxQuerySet(TenantQuerySet["Faxbox"]):
    def live(self) -> Self:
        """Faxboxes not deleted (a deleted faxbox is kept for the faxes that name it)."""
        return self.filter(deleted_at__isnull=True)


class PaperSize(models.TextChoices):
    """The paper faxes are laid out for (cover page, images, text, the length T.30 sends)."""

    LETTER = "letter", _("US Letter (8.5 x 11 in)")
    A4 = "a4", _("A4 (210 x 297 mm)")
    LEGAL = "legal", _("US Legal (8.5 x 14 in)")
    B4 = "b4", _("B4 (257 x 364 mm), where the receiver takes it")


AUTO_PAPER = "auto"
FAXBOX_PAPER_CHOICES = [
    (AUTO_PAPER, _("Automatic: US Letter for +1 numbers, A4 elsewhere")),
    *PaperSize.choices,
]


class MailBody(models.TextChoices):
    """What the plain-text body of an e-mail to the faxbox becomes (email-to-fax)."""

    COVER = "cover", _("A cover page from the subject and body")
    NONE = "none", _("Nothing: no cover page, attachments only")
    TEXT = "text", _("A text page: the body faxed as a plain-text page")


def paper_for_number(number: str) -> str:
    """The paper a sender at ``number`` (E.164) uses unless told: US Letter in the North
    American Numbering Plan (+1), A4 everywhere else (and without a number)."""
    return PaperSize.LETTER if number.startswith("+1") else PaperSize.A4


class Faxbox(models.Model):
    """A fax mailbox: the numbers it owns, how it identifies itself, who hears of it."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="faxboxes")
    name = models.CharField(max_length=128)
    caller_id = models.CharField("caller ID number", max_length=20, blank=True)
    caller_name = models.CharField(max_length=64, blank=True)
    fax_header = models.CharField(max_length=64, blank=True)
    fax_identity = models.CharField(
        max_length=20, blank=True, help_text="T.30 station id (TSI/CSI), at most 20 characters."
    )
    fax_timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    max_attempts = models.PositiveSmallIntegerField(default=3)
    # "auto" (or blank): by its number, see Faxbox.paper.
    paper_size = models.CharField(
        max_length=8, choices=FAXBOX_PAPER_CHOICES, default=AUTO_PAPER, blank=True
    )
    # Empty: the account's retention (then the portal's); 0: keep the files.
    retention_days = models.PositiveIntegerField(
        "file retention (days)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Empty: the account's setting. 0: keep the files.",
    )
    notify_inbound_emails = models.JSONField(default=list, blank=True)
    notify_outbound_emails = models.JSONField(default=list, blank=True)
    smtp_email_address = models.CharField(max_length=254, unique=True, null=True, blank=True)
    custom_smtp_email_address = models.CharField(max_length=254, unique=True, null=True, blank=True)
    smtp_permission_list = models.JSONField(default=list, blank=True)
    mail_body = models.CharField(
        "e-mail body", max_length=8, choices=MailBody.choices, default=MailBody.COVER
    )
    # Other Kazoo faxbox fields (media, flags, notifications.*.sms/callback…),
    # kept as sent so clients read back what they wrote.
    extra = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(FaxboxQuerySet)()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "faxboxes"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Every faxbox can take e-mail, however it was made (UI, admin, commands, APIs).
        if not self.smtp_email_address:
            self.smtp_email_address = new_smtp_address()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "smtp_email_address"}
        super().save(*args, **kwargs)

    @property
    def paper(self) -> str:
        """The paper its faxes are laid out for: its own choice, or automatic (by its
        caller ID, else its first number; see :func:`paper_for_number`)."""
        if self.paper_size and self.paper_size != AUTO_PAPER:
            return self.paper_size
        number = self.caller_id
        if not number and self.pk:
            # .all(), not a query of its own: lists prefetch the numbers (ordered by number).
            first = next(iter(self.numbers.all()), None)
            number = first.number if first is not None else ""
        return paper_for_number(number)


def new_smtp_address() -> str:
    """A free generated faxbox e-mail domain, Kazoo-style ``<8 hex>.<domain>``."""
    domain = settings.FAXPORTAL_FAXBOX_SMTP_DOMAIN
    while True:
        address = f"{secrets.token_hex(4)}.{domain}"
        if not Faxbox.objects.filter(smtp_email_address=address).exists():
            return address


class Callflow(models.Model):
    """A Kazoo callflow of module ``faxbox``: numbers that ring into a faxbox.

    Routing stays where it is: each number is a FaxNumber row of the target faxbox
    with ``callflow`` set, so inbound routing, loopback, portal-wide uniqueness and the
    UI's number lists need nothing new. This row keeps what only the callflow
    document has (name, the flow as sent, other keys); its ``numbers`` are read back
    from those FaxNumber rows, so a number removed elsewhere leaves the callflow too.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="callflows")
    name = models.CharField(max_length=128, blank=True)
    faxbox = models.ForeignKey(Faxbox, on_delete=models.CASCADE, related_name="callflows")
    flow = models.JSONField(default=dict)
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name or self.pk


class FaxNumber(models.Model):
    """An E.164 number routed to a faxbox; a number belongs to one faxbox portal-wide."""

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="fax_numbers")
    faxbox = models.ForeignKey(Faxbox, on_delete=models.CASCADE, related_name="numbers")
    # Set when the number was given through a /v2 callflow (deleting it frees the number).
    callflow = models.ForeignKey(
        Callflow, null=True, blank=True, on_delete=models.CASCADE, related_name="fax_numbers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


def document_part_path(instance: Any, filename: str) -> str:
    folder = f"documents/{instance.account_id}/{instance.document_id}"
    return f"{folder}/{instance.position:03d}-{filename}"


class FaxDocument(models.Model):
    """What a sender handed over: ordered parts (uploads or URLs). Every fax
    made from one send request (each recipient, later resubmits) points here,
    so the upload is stored once."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    # Idempotency-Key of the request that created it; a replay finds it here.
    idempotency_key = models.CharField(max_length=255, blank=True)
    # SHA-256 of that request (recipients, documents, options): the same key with another
    # request is refused instead of replayed. Blank on documents stored before it existed.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="fax_document_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"document {self.pk}"


class DocumentPart(models.Model):
    """One file of a FaxDocument: uploaded bytes, or a URL the worker fetches."""

    document = models.ForeignKey(FaxDocument, on_delete=models.CASCADE, related_name="parts")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=document_part_path, max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    # Kazoo's document options: method, content, content_type, host, referer.
    url_options = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="document_part_unique"),
        ]

    def __str__(self) -> str:
        return self.filename or self.url or f"part {self.position}"


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class FaxStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued")
    CONVERTING = "converting", _("Converting")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    RECEIVING = "receiving", _("Receiving")
    RECEIVED = "received", _("Received")


class Resolution(models.TextChoices):
    FINE = "fine", _("Fine (196 lpi)")
    STANDARD = "standard", _("Standard (98 lpi)")


class OcrStatus(models.TextChoices):
    """Where a received fax's text layer is (blank: not asked for, e.g. sent faxes)."""

    PENDING = "pending", _("Text recognition pending")
    READING = "reading", _("Text recognition running")
    DONE = "done", _("Text recognised")
    SKIPPED = "skipped", _("Text recognition skipped")
    FAILED = "failed", _("Text recognition failed")


class FaxQuerySet(TenantQuerySet["Fax"]):
    def live(self) -> Self:
        """Faxes not deleted by their owner (deleted ones stay for billing and audit)."""
        return self.filter(deleted_at__isnull=True)

    def inbound(self) -> Self:
        return self.filter(direction=Direction.INBOUND)

    def outbound(self) -> Self:
        return self.filter(direction=Direction.OUTBOUND)


class Fax(models.Model):
    """One fax, sent or received. Kazoo's folders (outgoing, outbox, incoming,
    inbox) are views of this model by direction and status."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="faxes")
    faxbox = models.ForeignKey(
        Faxbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="faxes"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    status = models.CharField(max_length=12, choices=FaxStatus.choices, db_index=True)
    from_number = models.CharField(max_length=20, blank=True)
    from_name = models.CharField(max_length=64, blank=True)
    to_number = models.CharField(max_length=20)
    to_name = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    resolution = models.CharField(max_length=8, choices=Resolution.choices, default=Resolution.FINE)
    # What it is laid out for, chosen at submit (the request's, else its faxbox's); blank on
    # faxes from before paper sizes: rendered for its faxbox's (Fax.paper).
    paper_size = models.CharField(max_length=8, choices=PaperSize.choices, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    # Seconds the call holds a line at 14,400 bit/s, from the rendered pages' data (outbound;
    # null until known: a fetched document is rendered by the worker).
    estimated_line_seconds = models.FloatField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    # The faxes.failures code the failure carried (blank: read it from code and message).
    failure_code = models.CharField(max_length=40, blank=True, default="")
    remote_station_id = models.CharField(max_length=32, blank=True)
    document = models.FileField(upload_to=fax_file_path, max_length=300, blank=True)
    tiff = models.FileField(upload_to=fax_file_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=fax_file_path, max_length=300, blank=True)
    attachment_purged_at = models.DateTimeField(null=True, blank=True)
    source = models.ForeignKey(
        FaxDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="faxes"
    )
    # Cover page fields (subject, message, …); None means no cover page.
    cover = models.JSONField(null=True, blank=True)
    resubmitted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resubmissions"
    )
    transport = models.CharField(max_length=32, blank=True)
    carrier_fax_id = models.CharField(max_length=128, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker that claimed the fax; later steps require it.
    claim_token = models.CharField(max_length=16, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    notify_emails = models.JSONField(default=list, blank=True)
    rx_result = models.JSONField(null=True, blank=True)
    # How this fax identifies itself (Kazoo fax_identity_name/_number, fax_timezone);
    # blank: the faxbox's settings.
    identity_name = models.CharField("header text", max_length=64, blank=True)
    identity_number = models.CharField("station id", max_length=20, blank=True)
    fax_timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    # What was really transmitted, chosen when the fax is rendered: always a number
    # the account owns, whatever from_number says (no caller-ID spoofing).
    sent_caller_id = models.CharField(max_length=20, blank=True)
    sent_station_id = models.CharField(max_length=20, blank=True)
    # Other Kazoo fax fields (fax_identity_*, notifications, unknown keys), kept as sent.
    extra = models.JSONField(default=dict, blank=True)
    # How staff turned pages for viewing ({"<page>": 90|180|270}); the files stay as they are.
    page_rotations = models.JSONField(default=dict, blank=True)
    # A received fax's text, read by OCR after filing (faxes.services.ocr); its PDF then
    # carries it as an invisible text layer. Cleared with the files by retention.
    text = models.TextField(blank=True, default="")
    ocr_status = models.CharField(max_length=8, choices=OcrStatus.choices, blank=True, default="")
    ocr_attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: since when it waits (or when it may be tried again); reading: when the
    # worker's lease ends; otherwise when OCR ended.
    ocr_at = models.DateTimeField(null=True, blank=True)
    # When the arrival e-mail of a received fax was claimed for sending (one mail only;
    # faxes.services.notify): at filing, or once its text layer is done when OCR is on.
    inbound_mailed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(FaxQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "faxes"
        indexes = [
            models.Index(fields=["account", "direction", "-created_at", "-id"]),
            models.Index(fields=["status", "scheduled_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "status_changed_at"]),
            # The sweeper's look for OCR tries that went missing: unfinished rows only.
            models.Index(
                fields=["ocr_at"],
                condition=models.Q(ocr_status__in=["pending", "reading"]),
                name="fax_ocr_pending",
            ),
            # Lists of live faxes (every API and the inbox): counts and deep pages
            # are answered from the index alone.
            models.Index(
                fields=["account", "direction", "-created_at", "-id"],
                condition=models.Q(deleted_at__isnull=True),
                name="fax_live_account_list",
            ),
        ]
        constraints = [
            # Inbound faxes are idempotent on the carrier's id.
            models.UniqueConstraint(
                fields=["direction", "transport", "carrier_fax_id"],
                condition=models.Q(direction="inbound") & ~models.Q(carrier_fax_id=""),
                name="inbound_carrier_fax_id_unique",
            ),
        ]

    def __str__(self) -> str:
        arrow = "→" if self.direction == Direction.OUTBOUND else "←"
        return f"{self.from_number or '?'} {arrow} {self.to_number} ({self.status})"

    @property
    def paper(self) -> str:
        """The paper this fax is laid out for (see ``paper_size``)."""
        if self.paper_size:
            return self.paper_size
        return self.faxbox.paper if self.faxbox else paper_for_number(self.from_number)

    @property
    def local_timezone(self) -> str:
        """The zone this fax's times are shown in, on its pages (header line, cover page)
        and in what tells of it (receipt, e-mails, Kazoo's ``fax_timezone``): its own
        (Kazoo's per-request ``fax_timezone``), else its faxbox's, else its account's."""
        return self.fax_timezone or sender_timezone(self.faxbox, self.account)


def sender_timezone(faxbox: Faxbox | None, account: Account) -> str:
    """The zone of what is sent from ``faxbox`` (or by ``account`` without one) when the
    fax names none: the faxbox's, else the account's (see ``Fax.local_timezone``)."""
    return faxbox.fax_timezone if faxbox else account.timezone


class FaxEvent(models.Model):
    """One lifecycle transition of a fax, with when and why."""

    fax = models.ForeignKey(Fax, on_delete=models.CASCADE, related_name="events")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["fax", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class InboundRefusal(models.Model):
    """A fax offered to a number no faxbox owns: it enters no account; admins see it here."""

    to_number = models.CharField(max_length=20)
    from_number = models.CharField(max_length=20, blank=True)
    transport = models.CharField(max_length=32)
    carrier_fax_id = models.CharField(max_length=128, blank=True)
    reason = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.from_number or '?'} → {self.to_number}: {self.reason}"


class AuditEvent(models.Model):
    """Who (user or API token) did what to which fax, when, from where."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    token = models.ForeignKey("accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64)
    fax = models.ForeignKey(
        Fax, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.fax_id or ''}"


class LineCoding(models.TextChoices):
    """How the pages were compressed on the line (negotiated in T.30: T.6 needs ECM)."""

    MMR = "mmr", _("T.6 (MMR)")
    MR = "mr", _("T.4 2-D (MR)")
    MH = "mh", _("T.4 1-D (MH)")


class Attempt(models.Model):
    """One transmission try of an outbound fax (Kazoo's ``tx_result``)."""

    fax = models.ForeignKey(Fax, on_delete=models.CASCADE, related_name="attempts")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    transport = models.CharField(max_length=32)
    carrier_id = models.CharField(max_length=128, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    success = models.BooleanField(null=True)
    result_code = models.IntegerField(null=True, blank=True)
    result_text = models.CharField(max_length=255, blank=True)
    pages_sent = models.PositiveIntegerField(default=0)
    speed = models.PositiveIntegerField(null=True, blank=True)
    ecm = models.BooleanField(null=True)
    # Blank: not known (no page went, or the carrier does not say).
    compression = models.CharField(max_length=3, choices=LineCoding.choices, blank=True)
    bad_rows = models.PositiveIntegerField(default=0)
    receiver_id = models.CharField(max_length=32, blank=True)
    time_elapsed = models.FloatField(default=0)
    # Transport-specific figures (modem statistics, carrier payload excerpts).
    details = models.JSONField(default=dict, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["fax", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fax", "number"], name="attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.fax_id}"


class Receipt(models.Model):
    """The record of how an outbound fax ended: made once when it finished, never changed.

    ``figures`` is the snapshot the PDF was drawn from (transmission figures, the
    recipient's station id, names and time zone as they were then); the PDF holds the
    page-1 image; ``document_sha256`` is the digest of exactly the TIFF transmitted,
    so anyone can check a copy of the sent document against it.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    fax = models.OneToOneField(Fax, on_delete=models.CASCADE, related_name="receipt")
    file = models.FileField(upload_to=fax_file_path, max_length=300)
    figures = models.JSONField()
    document_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"receipt {self.pk} of {self.fax_id}"


class DownloadMark(models.Model):
    """A fax downloaded with one API token (native API ``downloaded`` tracking)."""

    fax = models.ForeignKey(Fax, on_delete=models.CASCADE, related_name="download_marks")
    token = models.ForeignKey("accounts.ApiToken", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    downloaded_at = models.DateTimeField()

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "fax"], name="download_mark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fax_id} downloaded by {self.token_id}"


class FaxRead(models.Model):
    """A user has opened a received fax (per-user read/unread in the inbox)."""

    fax = models.ForeignKey(Fax, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "fax"], name="fax_read_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fax_id} read by {self.user_id}"


class Contact(models.Model):
    """An entry of an account's fax address book."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=128)
    fax_number = models.CharField(max_length=20)
    organization = models.CharField(max_length=128, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fax_number", "name"], name="contact_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.fax_number}>"


class WebhookEndpoint(models.Model):
    """An account's subscription: events delivered to a URL, signed with a secret."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    # Encrypted at rest (it must be read back to sign deliveries).
    secret = EncryptedTextField()
    # The secret before the last rotation: deliveries are signed with it too until
    # it expires, so receivers can switch over without refusing a delivery.
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with its retry state."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=64)
    fax = models.ForeignKey(Fax, null=True, blank=True, on_delete=models.SET_NULL)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a task for the due attempt was put on the broker (cleared when a worker
    # takes it): the periodic sweep does not enqueue it again while that is recent.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class SmtpStatus(models.TextChoices):
    RECEIVED = "received", _("received")  # stored (250 given), faxes not made yet
    ACCEPTED = "accepted", _("accepted")  # faxes made from it
    FAILED = "failed", _("failed")  # stored, but no fax could be made from it
    REFUSED = "refused", _("refused")  # refused in the SMTP dialogue (nothing stored)


class SmtpLog(models.Model):
    """One e-mail offered to a faxbox address (email-to-fax), accepted or refused.

    A message to several faxboxes gives one row per faxbox. An accepted row names the
    stored raw message (``raw_message``): the faxes are made from that file, after the
    250 reply, so a message once accepted survives a crash of the gateway."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    faxbox = models.ForeignKey(Faxbox, null=True, blank=True, on_delete=models.SET_NULL)
    fax = models.ForeignKey(Fax, null=True, blank=True, on_delete=models.SET_NULL)
    from_address = models.CharField(max_length=254)
    to_address = models.CharField(max_length=254)
    original_number = models.CharField(max_length=64, blank=True)
    translated_number = models.CharField(max_length=20, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=SmtpStatus.choices, default=SmtpStatus.REFUSED)
    message_id = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    # Every envelope recipient of this faxbox (``to_address`` is the first).
    recipients = models.JSONField(default=list, blank=True)
    # The header From, and how the sender proved it ("auth:<user>", "dkim:<domain>").
    header_from = models.CharField(max_length=254, blank=True)
    authenticated_by = models.CharField(max_length=254, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    raw_message = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    fax_ids = models.JSONField(default=list, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same Message-ID is never faxed twice from one faxbox.
            models.UniqueConstraint(
                fields=["faxbox", "message_id"],
                condition=~models.Q(message_id="") & ~models.Q(status="refused"),
                name="smtplog_message_once_per_faxbox",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.from_address} → {self.to_address}"


class SmtpCredential(models.Model):
    """A user name and password a copier uses for SMTP AUTH to send from one faxbox.
    Only the password's keyed digest is kept (as for API tokens); it is shown once."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    faxbox = models.ForeignKey(Faxbox, on_delete=models.CASCADE, related_name="smtp_credentials")
    username = models.CharField(max_length=64, unique=True)
    secret_digest = models.CharField(max_length=64)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.username


class CarrierConfig(models.Model):
    """Which cloud carrier an account (or one faxbox) sends through, and its credentials.

    A faxbox's own configuration wins over its account's, which wins over a
    reseller ancestor's; without any, ``FAXPORTAL_TRANSPORT`` and the carrier
    settings from the environment apply. Blank credentials fall back to the
    environment too, so secrets can live in secret files instead of the database.
    """

    # Public: it appears in the webhook URLs given to the carrier.
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="carrier_configs")
    faxbox = models.OneToOneField(
        Faxbox, null=True, blank=True, on_delete=models.CASCADE, related_name="carrier_config",
        help_text="Leave empty to configure every faxbox of the account (and of its sub-accounts).",
    )  # fmt: skip
    transport = models.CharField(max_length=32, choices=registry.CHOICES)
    enabled = models.BooleanField(default=True)
    api_url = models.URLField(
        "API URL", blank=True,
        help_text="SignalWire: your Space URL (https://example.signalwire.com). Telnyx: "
        "leave empty for https://api.telnyx.com.",
    )  # fmt: skip
    project_id = models.CharField(
        "project ID", max_length=64, blank=True, help_text="SignalWire project ID."
    )
    api_token = EncryptedTextField(
        "API token", blank=True,
        help_text="SignalWire API token (with the Fax scope) or Telnyx API key. Stored "
        "encrypted; leave empty to use the environment.",
    )  # fmt: skip
    signing_key = EncryptedTextField(
        blank=True,
        help_text="SignalWire signing key (API credentials page). Stored encrypted; leave "
        "empty to use the environment.",
    )
    public_key = models.CharField(
        max_length=200, blank=True,
        help_text="Telnyx webhook public key (base64, Account Settings → Keys & Credentials).",
    )  # fmt: skip
    connection_id = models.CharField(
        "connection ID", max_length=64, blank=True, help_text="Telnyx fax application ID."
    )
    from_number = models.CharField(
        max_length=20, blank=True,
        help_text="Caller ID for faxes whose faxbox has none (a number of this carrier account).",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["account", "faxbox"]
        constraints = [
            # One account-wide configuration per account (faxbox ones are one per faxbox).
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(faxbox__isnull=True),
                name="carrier_config_one_per_account",
            ),
        ]

    def __str__(self) -> str:
        scope = self.faxbox.name if self.faxbox is not None else "all faxboxes"
        return f"{self.get_transport_display()} for {self.account} ({scope})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        faxbox = self.faxbox
        if faxbox is not None and self.account_id and faxbox.account_id != self.account_id:
            raise ValidationError({"faxbox": "This faxbox belongs to another account."})
        if self.from_number:
            from faxes.phone import normalize_e164

            try:
                self.from_number = normalize_e164(self.from_number)
            except Exception:
                raise ValidationError({"from_number": "Not a valid phone number."}) from None


class SenderPreference(models.Model):
    """The faxbox a user sends from unless they choose another: their chosen default,
    else the one they last sent from (kept here so accounts never import faxes)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sender_preference"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    default_faxbox = models.ForeignKey(
        Faxbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_faxbox = models.ForeignKey(
        Faxbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"sender preference of {self.user_id}"


class FormSubmission(models.Model):
    """A browser form that created something, by the one-time key the form carried:
    the same key again (a double click, a resent POST) finds the first result here
    instead of creating a second one."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="form_submission_unique"),
        ]

    def __str__(self) -> str:
        return f"form {self.key} of {self.user_id}"
