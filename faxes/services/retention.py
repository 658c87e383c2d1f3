"""Removing fax documents while keeping their metadata."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import MAX_RETENTION_DAYS, Account
from faxes import lifecycle
from faxes.documents import office
from faxes.models import DocumentPart, Fax, Faxbox, FaxDocument
from faxportal.celery import portal_task

log = logging.getLogger(__name__)


def _preview_names(fax: Fax) -> list[str]:
    storage = fax.document.storage
    base = f"faxes/{fax.account_id}/{fax.pk}/pages"
    try:
        _dirs, files = storage.listdir(base)
    except (FileNotFoundError, NotImplementedError, OSError):
        return []
    return [f"{base}/{name}" for name in files]


def purge_attachment(fax: Fax) -> bool:
    """Delete a finished fax's files (document, TIFF, previews) and its OCR text; keep the
    row. False if nothing was left to purge or the fax is still in flight."""
    if fax.attachment_purged_at is not None:
        return False
    if fax.direction == "outbound" and fax.status not in lifecycle.FINAL:
        return False
    storage = fax.document.storage
    files = (fax.document, fax.tiff, fax.thumbnail)
    names = [f.name for f in files if f.name] + _preview_names(fax)
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            log.exception("could not delete %s of fax %s", name, fax.pk)
    now = timezone.now()
    Fax.objects.filter(pk=fax.pk).update(
        document="", tiff="", thumbnail="", text="", attachment_purged_at=now
    )
    fax.document.name = fax.tiff.name = fax.thumbnail.name = ""
    fax.attachment_purged_at = now
    _purge_unused_source(fax)
    return True


def _purge_unused_source(fax: Fax) -> None:
    """Drop the original uploads once no fax made from them can still need them."""
    if fax.source_id is None:
        return
    still_needed = Fax.objects.filter(source_id=fax.source_id).filter(
        Q(attachment_purged_at__isnull=True) | ~Q(status__in=lifecycle.FINAL)
    )
    if still_needed.exists():
        return
    for part in DocumentPart.objects.filter(document_id=fax.source_id).exclude(file=""):
        part.file.delete(save=False)
        DocumentPart.objects.filter(pk=part.pk).update(file="")
    FaxDocument.objects.filter(pk=fax.source_id).update(purged_at=timezone.now())


# --- how long files are kept ------------------------------------------------------


def _between() -> str:
    return gettext("Between 0 (keep the files) and %(max)s days.") % {"max": MAX_RETENTION_DAYS}


def check_retention_days(value: object) -> int | None:
    """A retention as an account admin sets it: None (inherit), 0 (keep) or a number of
    days up to MAX_RETENTION_DAYS; anything else is a ValidationError on ``retention_days``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            {"retention_days": [gettext("A whole number of days, or null to inherit.")]}
        )
    if not 0 <= value <= MAX_RETENTION_DAYS:
        raise ValidationError(
            {
                "retention_days": [
                    gettext("Between 0 (keep the files) and %(max)s days.")
                    % {"max": MAX_RETENTION_DAYS}
                ]
            }
        )
    return value


def set_account_retention(account: Account, days: object) -> None:
    checked = check_retention_days(days)
    Account.objects.filter(pk=account.pk).update(retention_days=checked)
    account.retention_days = checked


def set_faxbox_retention(faxbox: Faxbox, days: object) -> None:
    checked = check_retention_days(days)
    Faxbox.objects.filter(pk=faxbox.pk).update(retention_days=checked)
    faxbox.retention_days = checked


def effective_retention_days(account: Account, faxbox: Faxbox | None = None) -> int:
    """The faxbox's setting, else the account's, else FAXPORTAL_RETENTION_DAYS; 0 = keep."""
    if faxbox is not None and faxbox.retention_days is not None:
        return faxbox.retention_days
    if account.retention_days is not None:
        return account.retention_days
    return settings.FAXPORTAL_RETENTION_DAYS


def files_purge_at(fax: Fax) -> datetime | None:
    """When the hourly purge will remove this fax's files (None: kept, already purged, or
    an outbound fax still in flight)."""
    if fax.attachment_purged_at is not None or fax.status not in lifecycle.FINAL:
        return None
    days = effective_retention_days(fax.account, fax.faxbox)
    return fax.created_at + timedelta(days=days) if days else None


def _with_retention(days: int, portal_days: int) -> Q:
    """Faxes whose effective retention is ``days`` (a missing faxbox inherits too)."""
    own = Q(faxbox__retention_days=days)
    inherited = Q(faxbox__retention_days__isnull=True)
    match = own | (inherited & Q(account__retention_days=days))
    if days == portal_days:
        match |= inherited & Q(account__retention_days__isnull=True)
    return match


def purge_expired_attachments(now=None) -> int:
    """Purge the documents of finished faxes older than their effective retention
    (faxbox, else account, else FAXPORTAL_RETENTION_DAYS): one query per distinct
    retention in use, however many accounts and faxboxes there are."""
    now = now or timezone.now()
    portal_days = settings.FAXPORTAL_RETENTION_DAYS
    in_use: set[int | None] = {portal_days}
    in_use |= set(
        Account.objects.exclude(retention_days=None).values_list("retention_days", flat=True)
    )
    in_use |= set(
        Faxbox.objects.exclude(retention_days=None).values_list("retention_days", flat=True)
    )
    count = 0
    for days in sorted(d for d in in_use if d):
        expired = Fax.objects.filter(
            _with_retention(days, portal_days),
            attachment_purged_at__isnull=True,
            created_at__lt=now - timedelta(days=days),
            status__in=lifecycle.FINAL,
        ).select_related("source")
        for fax in expired.iterator(chunk_size=200):
            count += purge_attachment(fax)
    return count


def delete_fax(fax: Fax) -> None:
    """Remove a finished fax from the lists and purge its files; the metadata (and the
    audit trail pointing at it) stays for the record."""
    if fax.direction == "outbound" and fax.status not in lifecycle.FINAL:
        raise ValidationError(
            gettext("Cancel the fax, or wait until it is finished, before deleting it.")
        )
    purge_attachment(fax)
    now = timezone.now()
    Fax.objects.live().filter(pk=fax.pk).update(deleted_at=now)
    fax.deleted_at = now


def prune_conversions(now=None) -> int:
    """Forget Office documents' converted PDFs older than FAXPORTAL_OFFICE_CACHE_HOURS (the
    faxes made from them keep their own PDF)."""
    now = now or timezone.now()
    older_than = now - timedelta(hours=settings.FAXPORTAL_OFFICE_CACHE_HOURS)
    return office.prune_cache(default_storage, older_than)


@portal_task(name="faxes.purge_expired", ignore_result=True)
def purge_expired_task() -> int:
    prune_conversions()
    return purge_expired_attachments()
