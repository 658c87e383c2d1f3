"""Accepting a send request: validate everything, store it, create the faxes."""

from __future__ import annotations

import hashlib
import json
import logging
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, User
from faxes.documents import (
    DocumentRejected,
    PaperSize,
    accept_document,
    combine_documents,
    encoded_page_sizes,
)
from faxes.documents.faxspec import Resolution as RenderResolution
from faxes.failures import rejection_text
from faxes.models import (
    DocumentPart,
    Fax,
    Faxbox,
    FaxDocument,
    FaxStatus,
    Resolution,
    paper_for_number,
    sender_timezone,
)
from faxes.phone import normalize_all, normalize_e164
from faxes.services.cover import CoverFields, cover_page_for, outgoing_fax
from faxes.services.linetime import check_document_line_time, estimated_call_seconds
from faxes.services.outbound import create_outbound
from faxes.services.paper import check_paper_size

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadedFile:
    data: bytes
    filename: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class UrlDocument:
    """A document the worker fetches; the options are Kazoo's ``document`` object."""

    url: str
    method: str = "get"
    content: str | None = None
    content_type: str | None = None
    host: str | None = None
    referer: str | None = None

    def options(self) -> dict[str, str]:
        values = {
            "method": self.method,
            "content": self.content,
            "content_type": self.content_type,
            "host": self.host,
            "referer": self.referer,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class SubmitResult:
    faxes: list[Fax]
    replayed: bool = False  # True when an Idempotency-Key matched an earlier request
    document: FaxDocument | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def resolve_schedule(when: datetime | None, timezone_name: str | None) -> datetime | None:
    """An aware UTC instant from ``when`` (aware, or naive local time in ``timezone_name``).

    A naive time that does not exist in the zone (the hour skipped when clocks
    go forward) is refused rather than silently shifted; an ambiguous one (the
    hour repeated when clocks go back) means its first occurrence.
    """
    if when is None:
        return None
    try:
        return _to_utc(when, timezone_name)
    except OverflowError:  # year 1 or 9999 shifted past the calendar's ends
        raise ValidationError({"scheduled_at": [gettext("That date is out of range.")]}) from None


def check_not_past(when: datetime | None) -> None:
    """Refuse a schedule in the past beyond ``FAXPORTAL_SCHEDULE_PAST_TOLERANCE`` seconds:
    sending at once a fax meant for a time already gone is a surprise, not a schedule. Within
    the tolerance (clients' clocks drift) it means now."""
    if when is None:
        return
    tolerance = timedelta(seconds=settings.FAXPORTAL_SCHEDULE_PAST_TOLERANCE)
    if when < timezone.now() - tolerance:
        raise ValidationError(
            {
                "scheduled_at": [
                    gettext("%(when)s UTC is in the past; choose a later time.")
                    % {"when": f"{when:%Y-%m-%d %H:%M}"}
                ]
            }
        )


def _to_utc(when: datetime, timezone_name: str | None) -> datetime:
    if timezone.is_aware(when):
        return when.astimezone(UTC)
    name = timezone_name or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"timezone": [_unknown_zone(name)]}) from None
    local = when.replace(tzinfo=zone, fold=0)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != when:
        raise ValidationError(
            {
                "scheduled_at": [
                    gettext(
                        "%(when)s does not exist in %(zone)s "
                        "(the clocks skip that hour); choose another time."
                    )
                    % {"when": f"{when:%Y-%m-%d %H:%M}", "zone": name}
                ]
            }
        )
    return local.astimezone(UTC)


def _unknown_zone(name: str) -> str:
    return gettext("%(zone)s is not a known time zone.") % {"zone": repr(name)}


def _check_recipients(recipients: list[str]) -> list[str]:
    if not recipients:
        raise ValidationError({"to": [gettext("At least one recipient number is required.")]})
    limit = settings.FAXPORTAL_MAX_RECIPIENTS
    if len(recipients) > limit:
        raise ValidationError(
            {"to": [gettext("At most %(limit)s recipients per request.") % {"limit": limit}]}
        )
    numbers, errors = normalize_all(recipients)
    if errors:
        raise ValidationError({"to": errors})
    return numbers


def files_named(account: Account, text: str):
    """The send requests with an uploaded file whose name contains ``text`` (a subquery)."""
    parts = DocumentPart.objects.for_account(account).filter(filename__icontains=text)
    return parts.values("document_id")


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was used before with a different request (Stripe's rule: the
    same key must come with the same request; replaying the first fax would be wrong)."""

    message = (
        "This Idempotency-Key was already used with a different request; "
        "use a new key for a new request."
    )


def request_fingerprint(
    *, recipients, documents, faxbox, from_number, from_name, to_name, cover, resolution,
    max_attempts, scheduled_at, timezone_name, notify_emails, paper_size=None,
) -> str:  # fmt: skip
    """SHA-256 of the canonical send request: what a replay must match."""

    def number(raw) -> str:
        try:
            return normalize_e164(raw)
        except ValidationError:
            return str(raw)

    def document(item) -> dict:
        if isinstance(item, UploadedFile):
            return {"sha256": hashlib.sha256(item.data).hexdigest(), "filename": item.filename}
        return {"url": item.url, **item.options()}

    canonical = {
        "recipients": [number(raw) for raw in recipients],
        "documents": [document(item) for item in documents],
        "faxbox": faxbox.pk if faxbox else None,
        "from": from_number,
        "from_name": from_name,
        "to_name": to_name,
        "cover": [cover.subject, cover.message] if cover else None,
        "resolution": resolution,
        # The key stays "retries": fingerprints already stored must still match.
        "retries": max_attempts,
        "scheduled_at": scheduled_at.isoformat() if scheduled_at else None,
        "timezone": timezone_name,
        "notify": notify_emails or [],
    }
    if paper_size is not None:  # only when given: fingerprints already stored must match
        canonical["paper_size"] = paper_size
    text = json.dumps(canonical, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(account: Account, key: str, fingerprint: str | None = None) -> SubmitResult | None:
    """What the request that used this idempotency key created (None: nothing yet);
    ``IdempotencyKeyReused`` when ``fingerprint`` differs from the stored request's."""
    document = FaxDocument.objects.for_account(account).filter(idempotency_key=key).first()
    if document is None:
        return None
    if fingerprint is not None and document.request_fingerprint not in ("", fingerprint):
        raise IdempotencyKeyReused()
    faxes = list(
        Fax.objects.filter(source=document, resubmitted_from__isnull=True).order_by(
            "created_at", "id"
        )
    )
    return SubmitResult(faxes=faxes, replayed=True, document=document)


def submit_fax(
    *,
    account: Account,
    recipients: list[str],
    documents: Sequence[UploadedFile | UrlDocument],
    faxbox: Faxbox | None = None,
    owner: User | None = None,
    from_number: str | None = None,
    from_name: str | None = None,
    to_name: str = "",
    cover: CoverFields | None = None,
    resolution: str = Resolution.FINE,
    max_attempts: int | None = None,
    scheduled_at: datetime | None = None,
    timezone_name: str | None = None,
    idempotency_key: str = "",
    notify_emails: list[str] | None = None,
    identity_name: str = "",
    identity_number: str = "",
    fax_timezone: str = "",
    paper_size: str | None = None,
) -> SubmitResult:
    """Validate and store a send request; one Fax per recipient, enqueued on commit.

    ``paper_size`` (``letter``, ``a4``, ``legal``, ``b4``; None, blank or ``auto``: the
    faxbox's, else by the sender's number) is what the pages are laid out for.

    ``identity_name``/``identity_number``/``fax_timezone`` (Kazoo's ``fax_identity_*``)
    set this fax's header text, station id and header time zone; blank means the
    faxbox's. Raises ``ValidationError`` (per-field messages) and stores nothing when
    anything is wrong; ``IdempotencyKeyReused`` when ``idempotency_key`` came
    before with a different request. Uploaded documents are checked now, so their page
    count is known at once; URL documents are fetched and checked by the worker.
    """
    if faxbox is not None and faxbox.account_id != account.pk:
        raise ValidationError({"faxbox": [gettext("No such faxbox.")]})
    fingerprint = ""
    if idempotency_key:
        fingerprint = request_fingerprint(
            recipients=recipients, documents=documents, faxbox=faxbox, from_number=from_number,
            from_name=from_name, to_name=to_name, cover=cover, resolution=resolution,
            max_attempts=max_attempts, scheduled_at=scheduled_at, timezone_name=timezone_name,
            notify_emails=notify_emails, paper_size=paper_size,
        )  # fmt: skip
        earlier = replay(account, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier

    errors: dict[str, list[str]] = {}
    numbers: list[str] = []
    try:
        numbers = _check_recipients(recipients)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not documents:
        errors.setdefault("documents", []).append(
            gettext("Attach a document or give a document URL.")
        )
    if resolution not in Resolution.values:
        errors.setdefault("resolution", []).append(
            gettext("Resolution must be 'fine' or 'standard'.")
        )
    paper = ""
    try:
        paper = check_paper_size(paper_size)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if max_attempts is None:
        max_attempts = faxbox.max_attempts if faxbox else 1
    if not 0 <= max_attempts <= settings.FAXPORTAL_MAX_RETRIES:
        # Reported under the name every surface gives it (forms, /api/v1, /v2).
        errors.setdefault("retries", []).append(
            gettext("Retries must be between 0 and %(max)s.")
            % {"max": settings.FAXPORTAL_MAX_RETRIES}
        )
    sender = from_number or (faxbox.caller_id if faxbox else "")
    if sender:
        try:
            sender = normalize_e164(sender)
        except ValidationError as exc:
            errors.setdefault("from", []).extend(exc.messages)
    if fax_timezone:
        try:
            zoneinfo.ZoneInfo(fax_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.setdefault("timezone", []).append(_unknown_zone(fax_timezone))
    if len(identity_name) > 64 or len(identity_number) > 20:
        errors.setdefault("identity", []).append(
            gettext("The header text has at most 64 characters, the station id at most 20.")
        )
    if not paper:
        paper = faxbox.paper if faxbox else paper_for_number(sender)
    try:
        when = resolve_schedule(scheduled_at, timezone_name or sender_timezone(faxbox, account))
        check_not_past(when)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        when = None

    accepted = []
    for position, item in enumerate(documents):
        if isinstance(item, UploadedFile):
            try:
                accepted.append(
                    accept_document(item.data, filename=item.filename, paper=PaperSize(paper))
                )
            except DocumentRejected as exc:
                errors.setdefault("documents", []).append(rejection_text(exc))
        elif not item.url.lower().startswith(("http://", "https://")):
            errors.setdefault("documents", []).append(
                gettext("Document %(number)s: only http and https URLs can be fetched.")
                % {"number": position + 1}
            )
        elif item.method.lower() not in ("get", "post"):
            errors.setdefault("documents", []).append(
                gettext("Document %(number)s: method must be get or post.")
                % {"number": position + 1}
            )
    pages = line_seconds = None
    if accepted and len(accepted) == len(documents) and not errors:
        # Every part is an upload: combine now (with the cover page the first recipient
        # gets) so the page count and the line time are known, and the page limit
        # enforced, before anything is stored.
        try:
            cover_page = cover_page_for(
                outgoing_fax(account=account, faxbox=faxbox, recipient=numbers[0],
                             cover=cover, resolution=resolution, to_name=to_name,
                             paper_size=paper)
            )  # fmt: skip
            combined = combine_documents(accepted, cover=cover_page, paper=PaperSize(paper))
            pages = combined.page_count
            page_bytes = encoded_page_sizes(
                combined.pdf, resolution=RenderResolution(resolution), paper=PaperSize(paper)
            )
            # A page that would hold a fax line for too long is refused now, named, not
            # failed on the line after every retry.
            check_document_line_time(page_bytes, [doc.filename for doc in accepted], combined)
            line_seconds = estimated_call_seconds(page_bytes)
        except DocumentRejected as exc:
            errors.setdefault("documents", []).append(rejection_text(exc))
    if errors:
        raise ValidationError(errors)

    stored: list[str] = []
    try:
        with transaction.atomic():
            result = _store(
                account=account,
                faxbox=faxbox,
                owner=owner,
                numbers=numbers,
                documents=documents,
                accepted=iter(accepted),
                stored=stored,
                sender=sender,
                from_name=from_name
                if from_name is not None
                else (faxbox.caller_name if faxbox else ""),
                to_name=to_name,
                cover=cover,
                resolution=resolution,
                paper_size=paper,
                max_attempts=max_attempts,
                when=when,
                pages=pages,
                line_seconds=line_seconds,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                notify_emails=notify_emails or [],
                identity={"identity_name": identity_name, "identity_number": identity_number,
                          "fax_timezone": fax_timezone},
            )  # fmt: skip
    except IntegrityError:
        _delete_files(stored)
        # A concurrent request with the same Idempotency-Key won the race.
        earlier = replay(account, idempotency_key, fingerprint) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    except BaseException:
        _delete_files(stored)
        raise
    return result


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # pragma: no cover - best effort clean-up
            log.exception("could not delete %s after a failed submit", name)


def _store(*, account, faxbox, owner, numbers, documents, accepted, stored, sender, from_name,
           to_name, cover, resolution, paper_size, max_attempts, when, pages, line_seconds,
           idempotency_key, fingerprint, notify_emails, identity) -> SubmitResult:  # fmt: skip
    document = FaxDocument.objects.create(
        account=account, idempotency_key=idempotency_key, request_fingerprint=fingerprint
    )
    for position, item in enumerate(documents):
        part = DocumentPart(document=document, account=account, position=position)
        if isinstance(item, UploadedFile):
            checked = next(accepted)
            part.filename = item.filename[:255]
            part.content_type = checked.kind.mime_type
            part.size = len(item.data)
            part.sha256 = hashlib.sha256(item.data).hexdigest()
            part.file.save(
                _safe_name(item.filename, checked.kind), ContentFile(item.data), save=False
            )
            stored.append(part.file.name)
        else:
            part.url = item.url
            part.url_options = item.options()
        part.save()

    status = FaxStatus.SCHEDULED if when and when > timezone.now() else FaxStatus.QUEUED
    faxes = []
    for number in numbers:
        fax = create_outbound(
            account=account,
            faxbox=faxbox,
            note="scheduled" if status == FaxStatus.SCHEDULED else "submitted",
            status=status,
            owner=owner,
            from_number=sender,
            from_name=(from_name or "")[:64],
            to_number=number,
            to_name=to_name[:64],
            subject=(cover.subject if cover else "")[:200],
            cover={"subject": cover.subject, "message": cover.message} if cover else None,
            resolution=resolution,
            paper_size=paper_size,
            max_attempts=max_attempts,
            scheduled_at=when,
            pages=pages,
            estimated_line_seconds=line_seconds,
            source=document,
            notify_emails=notify_emails,
            **identity,
        )
        faxes.append(fax)
    return SubmitResult(faxes=faxes, document=document)


def _safe_name(filename: str, kind) -> str:
    """A storage name from a user's file name: letters, digits, - and _ only."""
    extension = {"jpeg": "jpg"}.get(kind.value, kind.value)
    original_stem = filename.rsplit(".", 1)[0] if filename else ""
    stem = "".join(c for c in original_stem if c.isalnum() or c in "-_")
    return f"{(stem or 'document')[:60]}.{extension}"
