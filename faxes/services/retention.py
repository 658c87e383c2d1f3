"""Removing fax documents while keeping their metadata."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from faxes import lifecycle
from faxes.models import DocumentPart, Fax

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
    """Delete a finished fax's files (document, TIFF, previews); keep the row. False if
    nothing was left to purge or the fax is still in flight."""
    if fax.attachment_purged_at is not None:
        return False
    if fax.direction == "outbound" and fax.status not in lifecycle.FINAL:
        return False
    storage = fax.document.storage
    names = [f.name for f in (fax.document, fax.tiff, fax.thumbnail) if f] + _preview_names(fax)
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            log.exception("could not delete %s of fax %s", name, fax.pk)
    now = timezone.now()
    Fax.objects.filter(pk=fax.pk).update(
        document="", tiff="", thumbnail="", attachment_purged_at=now
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
    fax.source.__class__.objects.filter(pk=fax.source_id).update(purged_at=timezone.now())


def purge_expired_attachments(now=None) -> int:
    """Purge documents of finished faxes older than FAXPORTAL_RETENTION_DAYS."""
    days = settings.FAXPORTAL_RETENTION_DAYS
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = Fax.objects.filter(
        attachment_purged_at__isnull=True,
        created_at__lt=cutoff,
        status__in=lifecycle.FINAL,
    ).select_related("source")
    count = 0
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


@shared_task(name="faxes.purge_expired", ignore_result=True)
def purge_expired_task() -> int:
    return purge_expired_attachments()
