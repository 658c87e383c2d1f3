"""E-mail to fax: who may send to a faxbox address, what is accepted, the faxes made.

The SMTP gateway (``faxes.smtp``) is a thin caller: it asks :func:`check_recipient` at
each RCPT, :func:`authenticate` at AUTH and :func:`accept_message` after DATA, and
answers with what they say. A refusal is a :class:`MailRefused` carrying the SMTP reply,
so the sender's own server tells the sender (the portal sends no bounce: no
backscatter). An accepted message is stored (raw file + ``SmtpLog`` row per faxbox)
before the 250 reply; :func:`process_message` makes the faxes from the stored copy,
so a gateway stopped or killed after 250 loses nothing (``rescue`` runs it again).

Kazoo's addressing: ``<number>@<faxbox smtp_email_address or custom_smtp_email_address>``.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import dkim
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.tokens import token_digest
from faxes.documents import DocumentRejected, PaperSize, accept_document
from faxes.failures import rejection_text
from faxes.models import Faxbox, MailBody, SmtpCredential, SmtpLog, SmtpStatus
from faxes.phone import normalize_e164
from faxes.services import mail_content, mail_replies
from faxes.services.submit import CoverFields, UploadedFile, UrlDocument, submit_fax
from faxportal.celery import portal_task

log = logging.getLogger(__name__)

# A stored message not made into faxes this long after it arrived is processed again.
RESCUE_AFTER = timedelta(minutes=2)


class MailRefused(Exception):
    """A refusal in the SMTP dialogue; ``reply`` is the whole reply line."""

    def __init__(self, code: int, status: str, text: str) -> None:
        super().__init__(text)
        self.code, self.status, self.text = code, status, text

    @property
    def reply(self) -> str:
        return f"{self.code} {self.status} {self.text}"


def _not_found(address: str) -> MailRefused:
    return MailRefused(550, "5.1.1", f"<{address}>: no such fax mailbox")


@dataclass(frozen=True)
class Recipient:
    address: str
    faxbox: Faxbox
    original: str  # the local part as written
    number: str  # E.164


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return local.strip('"').strip(), domain.strip().rstrip(".").lower()


def find_faxbox(domain: str) -> Faxbox | None:
    """The live faxbox (of an enabled account) whose generated or custom e-mail domain
    this is."""
    if not domain:
        return None
    return (
        Faxbox.objects.live()
        .filter(account__enabled=True)
        .filter(Q(smtp_email_address__iexact=domain) | Q(custom_smtp_email_address__iexact=domain))
        .select_related("account", "owner")
        .first()
    )


def resolve_recipient(address: str) -> Recipient:
    """The faxbox and number an envelope recipient names; ``MailRefused`` (550) else."""
    local, domain = _split(address)
    faxbox = find_faxbox(domain)
    if faxbox is None or not local:
        raise _not_found(address)
    try:
        number = normalize_e164(local)
    except ValidationError:
        raise MailRefused(
            550, "5.1.1", f"<{address}>: {local!r} is not a fax number (write it as +12025550102)"
        ) from None
    return Recipient(address=address, faxbox=faxbox, original=local, number=number)


def permitted(faxbox: Faxbox, sender: str) -> bool:
    """Kazoo's rule: the sender is the faxbox owner's address or matches an entry of the
    faxbox's ``smtp_permission_list`` — an address (case-insensitive), ``@domain`` (any
    address of that domain), or a regular expression that matches the whole address. An
    empty list lets only the owner send."""
    sender = sender.strip().lower()
    if not sender or "@" not in sender:
        return False
    owner = faxbox.owner.email.strip().lower() if faxbox.owner and faxbox.owner.email else ""
    if owner and sender == owner:
        return True
    domain = sender.rpartition("@")[2]
    for entry in faxbox.smtp_permission_list or []:
        if not isinstance(entry, str) or not entry.strip():
            continue
        rule = entry.strip().lower()
        if rule == sender or (rule.startswith("@") and rule[1:] == domain):
            return True
        try:
            if re.fullmatch(rule, sender, flags=re.IGNORECASE):
                return True
        except re.error:
            continue
    return False


def _not_allowed(sender: str, faxbox: Faxbox) -> MailRefused:
    return MailRefused(
        550, "5.7.1", f"<{sender}> may not send faxes from this mailbox ({faxbox.name})"
    )


def check_recipient(address: str, mail_from: str, credential_id: str | None) -> Recipient:
    """RCPT: the recipient exists, the envelope sender may use its faxbox, and an
    authenticated client only sends from the faxbox its credentials belong to."""
    recipient = resolve_recipient(address)
    faxbox = recipient.faxbox
    if credential_id is not None:
        credential = SmtpCredential.objects.filter(pk=credential_id).first()
        if credential is None or credential.faxbox_id != faxbox.pk:
            _log_refusal(faxbox, mail_from, [address], "authenticated for another mailbox")
            raise MailRefused(550, "5.7.1", "these credentials do not send from this mailbox")
    if not permitted(faxbox, mail_from):
        refusal = _not_allowed(mail_from, faxbox)
        _log_refusal(faxbox, mail_from, [address], refusal.text)
        raise refusal
    return recipient


# --- SMTP AUTH credentials --------------------------------------------------------------


def create_credential(faxbox: Faxbox) -> tuple[SmtpCredential, str]:
    """A new user name and password for SMTP AUTH from ``faxbox``; the password is
    returned once and only its digest stored."""
    password = secrets.token_urlsafe(24)
    credential = SmtpCredential.objects.create(
        account=faxbox.account,
        faxbox=faxbox,
        username=f"fb-{secrets.token_hex(6)}",
        secret_digest=token_digest(password),
    )
    return credential, password


def authenticate(username: str, password: str) -> str | None:
    """The id of the live credential this user name and password open, else None."""
    credential = (
        SmtpCredential.objects.filter(
            username=username, revoked=False, faxbox__deleted_at__isnull=True
        )
        .only("id", "secret_digest")
        .first()
    )
    digest = token_digest(password)
    if credential is None or not hmac.compare_digest(credential.secret_digest, digest):
        return None
    SmtpCredential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now())
    return credential.pk


# --- DKIM -------------------------------------------------------------------------------

TxtLookup = Callable[..., bytes | str | None]
# Replaceable in tests (or by FAXPORTAL_SMTP_DNS_TXT): f(name: bytes, timeout=5) -> TXT.
dns_txt: TxtLookup | None = None


def _txt_lookup() -> TxtLookup:
    if dns_txt is not None:
        return dns_txt
    if settings.FAXPORTAL_SMTP_DNS_TXT:
        return import_string(settings.FAXPORTAL_SMTP_DNS_TXT)
    from_dkim: TxtLookup = dkim.dnsplug.get_txt
    return from_dkim


def dkim_domains(raw: bytes) -> set[str]:
    """The domains (``d=``) of every DKIM signature of the message that verifies."""
    message = mail_content.parse(raw)
    count = len(message.get_all("DKIM-Signature") or [])
    lookup = _txt_lookup()
    domains: set[str] = set()
    for index in range(count):
        checker = dkim.DKIM(raw)
        try:
            if checker.verify(idx=index, dnsfunc=lookup) and checker.domain:
                domains.add(checker.domain.decode("ascii", "replace").lower())
        except Exception:  # a broken signature or a DNS failure is simply no proof
            log.info("DKIM signature %s did not verify", index, exc_info=True)
    return domains


def aligned(from_domain: str, signing_domains: set[str]) -> bool:
    """Relaxed alignment: the From domain is the signing domain or one of its subdomains."""
    return any(from_domain == d or from_domain.endswith("." + d) for d in signing_domains)


# --- DATA -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    credential_id: str | None = None
    peer: str = ""


@dataclass
class _Group:
    faxbox: Faxbox
    recipients: list[Recipient] = field(default_factory=list)


def accept_message(incoming: Incoming) -> str:
    """Check and store a message; the SMTP reply. Every refusal is a 5xx with the reason
    (logged for the faxbox); an accepted message is stored before this returns."""
    groups: dict[str, _Group] = {}
    for address in incoming.rcpt_tos:
        recipient = resolve_recipient(address)
        groups.setdefault(recipient.faxbox.pk, _Group(recipient.faxbox)).recipients.append(
            recipient
        )
    try:
        content = mail_content.read(incoming.data)
    except mail_content.MalformedMessage as exc:
        refusal = MailRefused(554, "5.6.0", f"the message cannot be read: {exc}"[:200])
        _refuse_all(groups, incoming, None, refusal)
        raise refusal from None
    if content.auto_submitted not in ("", "no"):
        refusal = MailRefused(
            550, "5.7.1", "automatic messages (Auto-Submitted) are not faxed: a mail loop?"
        )
        _refuse_all(groups, incoming, content, refusal)
        raise refusal
    try:
        proof = _check_sender(groups, incoming, content)
        pages = max(
            _check_documents(content, g.faxbox.mail_body, PaperSize(g.faxbox.paper))
            for g in groups.values()
        )
    except MailRefused as refusal:
        _refuse_all(groups, incoming, content, refusal)
        raise
    fresh = [g for g in groups.values() if not _seen(g.faxbox, content.message_id)]
    if not fresh:
        return "250 2.0.0 Already accepted (same Message-ID); not faxed again"
    try:
        count = _store(fresh, incoming, content, proof)
    except IntegrityError:  # the same Message-ID accepted meanwhile by another connection
        return "250 2.0.0 Already accepted (same Message-ID); not faxed again"
    return f"250 2.0.0 Accepted: {count} fax(es), about {pages} page(s) each"


def _check_sender(groups: dict[str, _Group], incoming: Incoming, content) -> str:
    """How the sender is proven ("auth:<user>" or "dkim:<domain>"); ``MailRefused`` when
    the header From is missing, not permitted, or not proven."""
    if len(content.from_addresses) != 1:
        raise MailRefused(550, "5.7.1", "the message needs exactly one From address")
    sender = content.from_addresses[0]
    for group in groups.values():
        if not permitted(group.faxbox, sender):
            raise _not_allowed(sender, group.faxbox)
    if incoming.credential_id is not None:
        credential = SmtpCredential.objects.filter(pk=incoming.credential_id).first()
        if credential is not None and all(
            g.faxbox.pk == credential.faxbox_id for g in groups.values()
        ):
            return f"auth:{credential.username}"
        raise MailRefused(550, "5.7.1", "these credentials do not send from this mailbox")
    from_domain = sender.rpartition("@")[2]
    if aligned(from_domain, dkim_domains(incoming.data)):
        return f"dkim:{from_domain}"
    raise MailRefused(
        550,
        "5.7.1",
        f"sender <{sender}> not authenticated: use SMTP AUTH, or sign the message with "
        f"DKIM for {from_domain}",
    )


def _check_documents(content: mail_content.MailContent, mail_body: str, paper: PaperSize) -> int:
    """Every attachment goes through the document pipeline now, so a refused one is a
    5xx in the dialogue, not a failed fax later. ``mail_body`` is the faxbox's setting
    (``MailBody``): with a cover or a text page, a body alone is something to fax.
    ``paper`` is the faxbox's, as submit will use it, so an Office attachment converted
    here is the one faxed (the conversion cache keys on the paper). Returns the estimated
    page count."""
    body_pages = _body_pages(content, mail_body)
    if not content.documents and not body_pages:
        raise MailRefused(554, "5.6.0", "nothing to fax: attach a PDF, TIFF, PNG or JPEG document")
    pages = body_pages
    for position, part in enumerate(content.documents, start=1):
        try:
            accepted = accept_document(part.data, filename=_filename(part, position), paper=paper)
            pages += accepted.page_count
        except DocumentRejected as exc:
            raise MailRefused(554, "5.6.0", rejection_text(exc)) from None
    return pages


# About this many lines of a plain-text page fit on one fax page (the estimate told in
# the dialogue; the pipeline's conversion makes the real pages later).
TEXT_PAGE_LINES = 60


def _body_pages(content: mail_content.MailContent, mail_body: str) -> int:
    """The pages the body adds: none without a body or with ``none``; one cover page;
    a text page's lines (also a cover-mode mail without attachments: see _body_parts)."""
    if not content.body or mail_body == MailBody.NONE:
        return 0
    if mail_body == MailBody.COVER and content.documents:
        return 1
    lines = len(_body_text(content, mail_body).splitlines())
    return max(1, -(-lines // TEXT_PAGE_LINES))


def _body_text(content: mail_content.MailContent, mail_body: str) -> str:
    """The text page: the body; in cover mode (no attachments) the subject above it."""
    if mail_body == MailBody.COVER and content.subject:
        return f"{content.subject}\n\n{content.body}\n"
    return content.body + "\n"


def _body_parts(
    content: mail_content.MailContent, mail_body: str
) -> tuple[CoverFields | None, list[UploadedFile]]:
    """What the body becomes for the faxbox's ``mail_body``: a cover page (subject and
    body) before the attachments, a plain-text page before them, or nothing.
    A cover-mode mail without attachments is its subject and body on one text page:
    a fax needs a document, and that page says what the cover would."""
    if not content.body or mail_body == MailBody.NONE:
        return None, []
    if mail_body == MailBody.COVER and content.documents:
        return CoverFields(subject=content.subject, message=content.body), []
    page = UploadedFile(
        data=_body_text(content, mail_body).encode("utf-8"),
        filename="message.txt",
        content_type="text/plain",
    )
    return None, [page]


def _filename(part: mail_content.Part, position: int) -> str:
    return part.filename or f"attachment-{position}"


def _seen(faxbox: Faxbox, message_id: str) -> bool:
    if not message_id:
        return False
    return (
        SmtpLog.objects.filter(faxbox=faxbox, message_id=message_id)
        .exclude(status=SmtpStatus.REFUSED)
        .exists()
    )


def _store(groups: list[_Group], incoming: Incoming, content, proof: str) -> int:
    stored: list[str] = []
    try:
        with transaction.atomic():
            for group in groups:
                entry = SmtpLog(
                    account=group.faxbox.account,
                    faxbox=group.faxbox,
                    status=SmtpStatus.RECEIVED,
                    authenticated_by=proof,
                    **_fields(group.faxbox, group.recipients, incoming, content),
                )
                name = default_storage.save(
                    f"smtp/{entry.account_id}/{entry.pk}.eml", ContentFile(incoming.data)
                )
                stored.append(name)
                entry.raw_message = name
                entry.save(force_insert=True)
                # The app's task class is PortalTask (faxportal.celery), which has it.
                process_message_task.delay_on_commit(entry.pk)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return sum(len(group.recipients) for group in groups)


def _fields(faxbox: Faxbox, recipients: list[Recipient], incoming: Incoming, content) -> dict:
    first = recipients[0] if recipients else None
    return {
        "from_address": incoming.mail_from[:254],
        "header_from": (content.from_addresses[0] if content and content.from_addresses else "")[
            :254
        ],
        "to_address": (first.address if first else "")[:254],
        "original_number": first.original[:64] if first else "",
        "translated_number": first.number if first else "",
        "recipients": [
            {"address": r.address, "original_number": r.original, "number": r.number}
            for r in recipients
        ],
        "message_id": content.message_id if content else "",
        "subject": content.subject if content else "",
        "content_type": (
            content.documents[0].content_type if content and content.documents else ""
        )[:100],
        "filename": (content.documents[0].filename if content and content.documents else "")[:255],
        "remote_addr": incoming.peer[:64],
        "size": len(incoming.data),
    }


def _refuse_all(groups: dict[str, _Group], incoming: Incoming, content, refusal) -> None:
    for group in groups.values():
        SmtpLog.objects.create(
            account=group.faxbox.account,
            faxbox=group.faxbox,
            status=SmtpStatus.REFUSED,
            errors=[refusal.text],
            **_fields(group.faxbox, group.recipients, incoming, content),
        )


def _log_refusal(faxbox: Faxbox, mail_from: str, rcpt: list[str], reason: str) -> None:
    local, _ = _split(rcpt[0]) if rcpt else ("", "")
    SmtpLog.objects.create(
        account=faxbox.account,
        faxbox=faxbox,
        status=SmtpStatus.REFUSED,
        from_address=mail_from[:254],
        to_address=(rcpt[0] if rcpt else "")[:254],
        original_number=local[:64],
        recipients=[{"address": a} for a in rcpt],
        errors=[reason],
    )


# --- making the faxes -------------------------------------------------------------------


def process_message(log_id: str) -> list[str]:
    """Make the faxes of a stored message (once: a row already processed is left alone).
    Returns the ids of the faxes made."""
    with transaction.atomic():
        entry = (
            SmtpLog.objects.select_for_update(of=("self",))
            .select_related("account", "faxbox", "faxbox__owner")
            .filter(pk=log_id, status=SmtpStatus.RECEIVED)
            .first()
        )
        if entry is None or entry.faxbox is None:
            return []
        faxbox = entry.faxbox
        try:
            with default_storage.open(entry.raw_message, "rb") as file:
                raw = file.read()
            content = mail_content.read(raw)
            cover, body_pages = _body_parts(content, faxbox.mail_body)
            documents: list[UploadedFile | UrlDocument] = [
                *body_pages,
                *(
                    UploadedFile(data=p.data, filename=_filename(p, i), content_type=p.content_type)
                    for i, p in enumerate(content.documents, start=1)
                ),
            ]
            result = submit_fax(
                account=entry.account,
                recipients=[r["number"] for r in entry.recipients],
                documents=documents,
                faxbox=faxbox,
                owner=faxbox.owner,
                cover=cover,
                notify_emails=[entry.header_from] if entry.header_from else None,
                idempotency_key=f"smtp:{entry.pk}",
            )
        except (ValidationError, mail_content.MalformedMessage, OSError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            entry.status, entry.errors = SmtpStatus.FAILED, messages
            entry.processed_at = timezone.now()
            entry.save(update_fields=["status", "errors", "processed_at"])
            transaction.on_commit(lambda: mail_replies.acknowledge(entry, None))
            return []
        entry.status = SmtpStatus.ACCEPTED
        entry.fax_ids = [fax.pk for fax in result.faxes]
        entry.fax = result.faxes[0] if result.faxes else None
        entry.processed_at = timezone.now()
        entry.save(update_fields=["status", "fax_ids", "fax", "processed_at"])
        pages = result.faxes[0].pages if result.faxes else None
        transaction.on_commit(lambda: mail_replies.acknowledge(entry, pages))
        return entry.fax_ids


@portal_task(name="faxes.process_mail", acks_late=True, ignore_result=True)
def process_message_task(log_id: str) -> None:
    process_message(log_id)


def rescue(now: datetime | None = None) -> int:
    """Stored messages whose processing never ran (lost broker message, dead worker):
    run them now. Returns how many."""
    before = (now or timezone.now()) - RESCUE_AFTER
    ids = SmtpLog.objects.filter(status=SmtpStatus.RECEIVED, created_at__lt=before).values_list(
        "pk", flat=True
    )
    count = 0
    for log_id in list(ids):
        process_message(log_id)
        count += 1
    return count


@portal_task(name="faxes.rescue_mail", ignore_result=True)
def rescue_task() -> int:
    return rescue()
