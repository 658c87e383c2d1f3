"""/v2/accounts/{A}[/faxboxes/{FB}|/users/{U}]/faxes… — the Kazoo faxes API."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import ApiTokenPrincipal
from accounts.models import User
from faxes import lifecycle, services
from faxes.api.kazoo import errors, public
from faxes.api.kazoo.base import KazooView
from faxes.api.kazoo.create import create_fax
from faxes.api.kazoo.pagination import apply_range
from faxes.documents.header import local_time
from faxes.models import Attempt, Direction, Fax, Faxbox, FaxStatus, SmtpLog
from faxes.services import audit, smtp_log
from faxportal.storage import FileStreamResponse

READ, WRITE = "fax:read", "fax:send"
FAX_DB_FIELDS = {
    "faxbox_id": "faxbox_id", "owner_id": "owner_id", "to_number": "to_number",
    "from_number": "from_number", "to": "to_number", "from": "from_number",
}  # fmt: skip
S = FaxStatus


class FaxesView(KazooView):
    """Resolves the optional faxbox/user scope of the URL."""

    scopes = {"get": READ, "put": WRITE, "post": WRITE, "patch": WRITE, "delete": WRITE}
    faxbox: Faxbox | None = None
    owner: User | None = None

    def scope_kwargs(self) -> tuple[str, ...]:
        return (*super().scope_kwargs(), "faxbox_id", "user_id")

    def resolve_scope(self) -> None:
        faxbox_id, user_id = self.kwargs.get("faxbox_id"), self.kwargs.get("user_id")
        if faxbox_id:
            live = Faxbox.objects.for_account(self.account).live()
            self.faxbox = live.filter(pk=faxbox_id).first()
            if self.faxbox is None:
                raise errors.bad_identifier(faxbox_id)
        if user_id:
            self.owner = User.objects.filter(account=self.account, pk=user_id).first()
            if self.owner is None:
                raise errors.bad_identifier(user_id)

    def faxes(self, direction: str) -> QuerySet[Fax]:
        self.resolve_scope()
        queryset = (
            Fax.objects.for_account(self.account)
            .live()
            .filter(direction=direction)
            .select_related("faxbox", "account", "source")
            .prefetch_related(
                Prefetch("attempts", queryset=Attempt.objects.order_by("number")),
                "source__parts",
            )
        )
        if self.faxbox is not None:
            queryset = queryset.filter(faxbox=self.faxbox)
        if self.owner is not None:
            queryset = queryset.filter(owner=self.owner)
        return queryset

    def one(self, queryset: QuerySet[Fax], fax_id: str) -> Fax:
        fax = queryset.filter(pk=public.plain_id(fax_id)).first()
        if fax is None:
            raise errors.bad_identifier(fax_id)
        return fax

    def audit(self, action: str, fax: Fax, **details: Any) -> None:
        principal = self.principal
        actor = principal.user or (
            ApiTokenPrincipal(principal.api_token) if principal.api_token else None
        )
        audit.record(action, account=self.account, fax=fax, principal=actor,
                     request=self.request, api="kazoo", **details)  # fmt: skip

    def create(self, request: Request) -> Response:
        self.resolve_scope()
        fax = create_fax(request, account=self.account, principal=self.principal,
                         faxbox=self.faxbox, owner=self.owner)  # fmt: skip
        self.audit("fax.submitted", fax)
        doc = public.job_doc(fax)
        response = self.ok(doc, status=201)
        response["Location"] = request.path.rstrip("/") + "/" + fax.pk
        return response


# --- outgoing queue ---------------------------------------------------------------


class Outgoing(FaxesView):
    def get(self, request: Request) -> Response:
        queryset = self.faxes(Direction.OUTBOUND).exclude(status__in=lifecycle.FINAL)

        def row(fax: Fax) -> dict[str, Any]:
            return {
                "id": fax.pk, "faxbox_id": fax.faxbox_id, "status": public.STATUS[fax.status],
                "to": fax.to_number, "from": fax.from_number, "attempts": fax.attempt_count,
                "created": public.gregorian(fax.created_at),
            }  # fmt: skip

        return self.page(queryset, row, db_fields=FAX_DB_FIELDS)

    def put(self, request: Request) -> Response:
        return self.create(request)


class OutgoingItem(FaxesView):
    def get(self, request: Request, fax_id: str) -> Response:
        fax = self.one(self.faxes(Direction.OUTBOUND).exclude(status__in=lifecycle.FINAL), fax_id)
        return self.ok(public.job_doc(fax))


class OutgoingAttachment(FaxesView):
    """A queued job's document (the upload until it is rendered): a portal extension."""

    def get(self, request: Request, fax_id: str) -> FileStreamResponse:
        fax = self.one(self.faxes(Direction.OUTBOUND).exclude(status__in=lifecycle.FINAL), fax_id)
        return _attachment(self, fax)


# --- outbox -------------------------------------------------------------------------


class OutboxView(FaxesView):
    def queryset(self) -> QuerySet[Fax]:
        return self.faxes(Direction.OUTBOUND).filter(status__in=lifecycle.FINAL)


class Outbox(OutboxView):
    def get(self, request: Request) -> Response:
        return self.page(apply_range(request, self.queryset()), public.outbox_doc,
                         db_fields=FAX_DB_FIELDS)  # fmt: skip


class OutboxItem(OutboxView):
    def get(self, request: Request, fax_id: str) -> Response:
        return self.ok(public.outbox_doc(self.one(self.queryset(), fax_id)))

    def delete(self, request: Request, fax_id: str) -> Response:
        fax = self.one(self.queryset(), fax_id)
        return _soft_delete(self, fax, public.outbox_doc)

    def put(self, request: Request, fax_id: str) -> Response:
        fax = self.one(self.queryset(), fax_id)
        action = _action(self, "resubmit")
        data = self.data
        copy = services.resubmit_fax(
            fax, to_number=data.get("to_number") or None, owner=self.principal.user or fax.owner
        )
        updates = {k: data[k] for k in ("to_name", "from_name") if isinstance(data.get(k), str)}
        if updates:
            Fax.objects.filter(pk=copy.pk).update(**updates)
        self.audit("fax.resubmitted", copy, original=fax.pk, via=action)
        copy = Fax.objects.select_related("faxbox", "account", "source").get(pk=copy.pk)
        return self.ok(public.job_doc(copy), status=201)


# --- inbox / incoming ------------------------------------------------------------------


class InboxView(FaxesView):
    def queryset(self) -> QuerySet[Fax]:
        return self.faxes(Direction.INBOUND).filter(status=S.RECEIVED)


class Inbox(InboxView):
    def get(self, request: Request) -> Response:
        return self.page(apply_range(request, self.queryset()), public.inbox_doc,
                         db_fields=FAX_DB_FIELDS)  # fmt: skip


class InboxItem(InboxView):
    def get(self, request: Request, fax_id: str) -> Response:
        fax = self.one(self.queryset(), fax_id)
        self.audit("fax.viewed", fax)
        return self.ok(public.inbox_doc(fax))

    def delete(self, request: Request, fax_id: str) -> Response:
        return _soft_delete(self, self.one(self.queryset(), fax_id), public.inbox_doc)

    def put(self, request: Request, fax_id: str) -> Response:
        fax = self.one(self.queryset(), fax_id)
        _action(self, "forward")
        to_number = self.data.get("to_number")
        if not isinstance(to_number, str) or not to_number:
            raise errors.KazooError(400, "validation error", {"to_number": {"required": {
                "message": "Field is required but missing"}}})  # fmt: skip
        copy = services.forward_fax(fax, to_number=to_number, faxbox=self.faxbox)
        self.audit("fax.forwarded", copy, original=fax.pk)
        copy = Fax.objects.select_related("faxbox", "account", "source").get(pk=copy.pk)
        return self.ok(public.job_doc(copy), status=201)


def _action(view: FaxesView, expected: str) -> str:
    """The envelope's top-level ``action``; a clear 400 where Kazoo answers 500."""
    action = (view.envelope or {}).get("action")
    if action is None:
        raise errors.bad_request("action required")
    if action != expected:
        raise errors.KazooError(400, "invalid action", {"message": "invalid action",
                                                        "cause": action,
                                                        "target": [expected]})  # fmt: skip
    return action


def _soft_delete(view: FaxesView, fax: Fax, render) -> Response:
    """Kazoo's "remove all evidence": files purged, off every list; the metadata and the
    audit trail stay."""
    fax.refresh_from_db()
    services.delete_fax(fax)
    view.audit("fax.deleted", fax)
    doc = render(fax)
    doc.setdefault("_read_only", {})["deleted"] = True
    return view.ok(doc)


# --- attachments ---------------------------------------------------------------------------


UPLOAD_EXTENSIONS = {"application/pdf": "pdf", "image/tiff": "tiff", "image/png": "png",
                     "image/jpeg": "jpg"}  # fmt: skip


def _stored_upload(fax: Fax):
    """The one uploaded document of an outbound fax, or None (URL documents not yet
    fetched, several parts, inbound faxes)."""
    if fax.direction != Direction.OUTBOUND or fax.source is None:
        return None
    parts = list(fax.source.parts.all())
    return parts[0] if len(parts) == 1 and parts[0].file else None


def _attachment(view: FaxesView, fax: Fax) -> FileStreamResponse:
    request = view.request
    wants_tiff = request.GET.get("format", "").lower() in ("tiff", "tif") or (
        "image/tiff" in request.headers.get("Accept", "")
        and "application/pdf" not in request.headers.get("Accept", "")
    )
    field = fax.tiff if wants_tiff else fax.document
    if fax.attachment_purged_at:
        raise errors.bad_identifier("attachment")
    extension, content_type = ("tiff", "image/tiff") if wants_tiff else ("pdf", "application/pdf")
    if not field:
        # Not rendered yet (the worker is converting it): the upload as it was stored,
        # which is what Kazoo keeps as the job's attachment until then.
        part = _stored_upload(fax)
        if part is None:
            raise errors.bad_identifier("attachment")
        field, content_type = part.file, part.content_type or "application/octet-stream"
        extension = UPLOAD_EXTENSIONS.get(content_type, "bin")
    stamp = local_time(fax.completed_at or fax.created_at, view.account.timezone)
    filename = f"fax_document_{stamp:%Y-%m-%d_%H:%M:%S}.{extension}"
    inline = request.GET.get("disposition") == "inline"
    response = FileStreamResponse(field.open("rb"), content_type=content_type,
                            as_attachment=not inline, filename=filename)  # fmt: skip
    response["ETag"] = '"' + hashlib.md5((field.name or "").encode()).hexdigest() + '"'  # noqa: S324
    response["X-Content-Type-Options"] = "nosniff"
    view.audit("fax.downloaded", fax, format=extension)
    return response


def _purge(view: FaxesView, fax: Fax, render) -> Response:
    services.purge_attachment(fax)
    view.audit("fax.attachment_purged", fax)
    fax.refresh_from_db()
    return view.ok(render(fax))


class OutboxAttachment(OutboxView):
    def get(self, request: Request, fax_id: str) -> FileStreamResponse:
        return _attachment(self, self.one(self.queryset(), fax_id))

    def delete(self, request: Request, fax_id: str) -> Response:
        return _purge(self, self.one(self.queryset(), fax_id), public.outbox_doc)


class InboxAttachment(InboxView):
    def get(self, request: Request, fax_id: str) -> FileStreamResponse:
        return _attachment(self, self.one(self.queryset(), fax_id))

    def delete(self, request: Request, fax_id: str) -> Response:
        return _purge(self, self.one(self.queryset(), fax_id), public.inbox_doc)


# --- /faxes itself: create, and the all-directions list of simpler clients ----------


AUDIAN_STATUS: dict[str, str] = {
    S.SCHEDULED: "pending", S.QUEUED: "pending", S.RETRYING: "pending",
    S.CONVERTING: "processing", S.SENDING: "sending", S.DELIVERED: "sent",
    S.FAILED: "failed", S.CANCELLED: "failed", S.RECEIVING: "processing",
    S.RECEIVED: "received",
}  # fmt: skip


def _summary(fax: Fax) -> dict[str, Any]:
    moment = fax.completed_at or fax.created_at
    return {
        "id": fax.pk, "direction": fax.direction, "from_number": fax.from_number,
        "to_number": fax.to_number, "status": AUDIAN_STATUS.get(fax.status, fax.status),
        "pages": fax.pages, "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created": public.gregorian(fax.created_at),
    }  # fmt: skip


class FaxCollection(FaxesView):
    def get(self, request: Request) -> Response:
        self.resolve_scope()
        queryset = Fax.objects.for_account(self.account).live()
        if self.faxbox is not None:
            queryset = queryset.filter(faxbox=self.faxbox)
        if self.owner is not None:
            queryset = queryset.filter(owner=self.owner)
        return self.page(queryset, _summary, db_fields=FAX_DB_FIELDS)

    def put(self, request: Request) -> Response:
        return self.create(request)


class FaxItem(FaxesView):
    def queryset(self) -> QuerySet[Fax]:
        self.resolve_scope()
        queryset = Fax.objects.for_account(self.account).live()
        queryset = queryset.select_related("faxbox", "account", "source").prefetch_related(
            "attempts", "source__parts"
        )
        if self.faxbox is not None:
            queryset = queryset.filter(faxbox=self.faxbox)
        return queryset

    def render(self, fax: Fax) -> dict[str, Any]:
        doc = public.inbox_doc(fax) if fax.direction == Direction.INBOUND else public.job_doc(fax)
        return {**doc, **_summary(fax)}

    def get(
        self, request: Request, fax_id: str
    ) -> HttpResponseBase:  # FaxItemAttachment answers a file
        return self.ok(self.render(self.one(self.queryset(), fax_id)))

    def delete(self, request: Request, fax_id: str) -> Response:
        fax = self.one(self.queryset(), fax_id)
        in_flight = fax.direction == Direction.OUTBOUND and fax.status not in lifecycle.FINAL
        # Deleting a queued job cancels it; one being transmitted cannot be deleted.
        if in_flight and not services.cancel_fax(fax):
            raise errors.KazooError(409, "datastore_conflict",
                                        {"message": "the fax is being sent"})  # fmt: skip
        return _soft_delete(self, fax, self.render)


class FaxItemAttachment(FaxItem):
    def get(self, request: Request, fax_id: str) -> FileStreamResponse:
        return _attachment(self, self.one(self.queryset(), fax_id))


# --- smtplog ------------------------------------------------------------------------------


def _smtp_row(log: SmtpLog) -> dict[str, Any]:
    return {
        "id": f"{log.created_at:%Y%m}-{log.pk}", "from": log.from_address, "to": log.to_address,
        "error": log.errors[0] if log.errors else "", "created": public.gregorian(log.created_at),
    }  # fmt: skip


def _smtp_doc(log: SmtpLog) -> dict[str, Any]:
    """Kazoo's ``fax_smtp_log`` document, with this portal's additions (``status``,
    ``message_id``, ``subject``, ``recipients``, ``fax_ids``, ``authenticated_by``)."""
    faxbox = log.faxbox
    owner = faxbox.owner if faxbox is not None else None
    domain = (faxbox.custom_smtp_email_address or faxbox.smtp_email_address or "") if faxbox else ""
    return {
        **_smtp_row(log), "original_number": log.original_number,
        "translated_number": log.translated_number, "faxbox_id": log.faxbox_id,
        "faxbox_domain": domain, "faxbox_owner_id": owner.pk if owner is not None else None,
        "faxbox_owner_email": owner.email if owner is not None else "",
        "content_type": log.content_type, "filename": log.filename, "errors": log.errors,
        "account_id": log.account_id, "faxdoc_id": log.fax_id,
        "status": log.status, "message_id": log.message_id, "subject": log.subject,
        "recipients": list(log.recipients), "fax_ids": list(log.fax_ids),
        "authenticated_by": log.authenticated_by,
    }  # fmt: skip


class SmtplogView(FaxesView):
    def logs(self) -> QuerySet[SmtpLog]:
        self.resolve_scope()
        return smtp_log.logs_for(self.account, faxbox=self.faxbox)


class Smtplog(SmtplogView):
    def get(self, request: Request) -> Response:
        return self.page(apply_range(request, self.logs()), _smtp_row,
                         db_fields={"faxbox_id": "faxbox_id"})  # fmt: skip


class SmtplogItem(SmtplogView):
    def get(self, request: Request, log_id: str) -> Response:
        self.resolve_scope()
        log = smtp_log.log_entry(self.account, public.plain_id(log_id), faxbox=self.faxbox)
        if log is None:
            raise errors.bad_identifier(log_id)
        return self.ok(_smtp_doc(log))
