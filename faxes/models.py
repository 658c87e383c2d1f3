from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.ids import new_id
from accounts.models import Account, validate_timezone
from accounts.tenancy import TenantManager


def fax_file_path(instance: models.Model, filename: str) -> str:
    """Files live at id-derived paths: faxes/<account>/<fax>/<name>."""
    fax = getattr(instance, "fax", instance)
    return f"faxes/{fax.account_id}/{fax.pk}/{filename}"


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
    retries = models.PositiveSmallIntegerField(default=3)
    notify_inbound_emails = models.JSONField(default=list, blank=True)
    notify_outbound_emails = models.JSONField(default=list, blank=True)
    smtp_email_address = models.CharField(max_length=254, unique=True, null=True, blank=True)
    custom_smtp_email_address = models.CharField(max_length=254, unique=True, null=True, blank=True)
    smtp_permission_list = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "faxboxes"

    def __str__(self) -> str:
        return self.name


class FaxNumber(models.Model):
    """An E.164 number routed to a faxbox; a number belongs to one faxbox portal-wide."""

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="fax_numbers")
    faxbox = models.ForeignKey(Faxbox, on_delete=models.CASCADE, related_name="numbers")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class FaxStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    CONVERTING = "converting", "Converting"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    RECEIVING = "receiving", "Receiving"
    RECEIVED = "received", "Received"


class Resolution(models.TextChoices):
    FINE = "fine", "Fine (196 lpi)"
    STANDARD = "standard", "Standard (98 lpi)"


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
    pages = models.PositiveIntegerField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    retries = models.PositiveSmallIntegerField(default=3)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    remote_station_id = models.CharField(max_length=32, blank=True)
    document = models.FileField(upload_to=fax_file_path, max_length=300, blank=True)
    tiff = models.FileField(upload_to=fax_file_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=fax_file_path, max_length=300, blank=True)
    attachment_purged_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    carrier_fax_id = models.CharField(max_length=128, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "faxes"
        indexes = [
            models.Index(fields=["account", "direction", "-created_at", "-id"]),
            models.Index(fields=["status", "scheduled_at"]),
        ]

    def __str__(self) -> str:
        arrow = "→" if self.direction == Direction.OUTBOUND else "←"
        return f"{self.from_number or '?'} {arrow} {self.to_number} ({self.status})"


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
    bad_rows = models.PositiveIntegerField(default=0)
    receiver_id = models.CharField(max_length=32, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["fax", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fax", "number"], name="attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.fax_id}"
