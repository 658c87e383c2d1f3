from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.tenancy import get_for_account_or_404
from faxes.api.v1 import openapi_shapes as shapes
from faxes.api.v1.base import AccountScopedMixin, BadRequest, V1APIView, invalid
from faxes.api.v1.openapi import errors
from faxes.api.v1.parsers import JSONParser
from faxes.api.v1.retention import MANAGE_ON_PATCH
from faxes.models import FAXBOX_PAPER_CHOICES, Faxbox, MailBody
from faxes.services import audit
from faxes.services.faxboxes import set_faxbox_mail_body, set_faxbox_paper_size
from faxes.services.retention import effective_retention_days, set_faxbox_retention

_PATCHABLE = ("retention_days", "paper_size", "mail_body")


class FaxboxSerializer(serializers.ModelSerializer):
    numbers = serializers.SerializerMethodField()
    account_id = serializers.CharField(read_only=True)
    # The API keeps its name for Faxbox.max_attempts.
    retries = serializers.IntegerField(source="max_attempts", read_only=True)
    effective_retention_days = serializers.SerializerMethodField(
        help_text="The retention in force: retention_days, else the account's, else the "
        "portal's (0 = kept)."
    )
    paper_size = serializers.ChoiceField(
        choices=[value for value, _ in FAXBOX_PAPER_CHOICES],
        read_only=True,
        help_text="What its faxes are laid out for: letter, a4, legal, b4, or auto (Letter "
        "for +1 numbers, A4 elsewhere).",
    )
    effective_paper_size = serializers.CharField(
        source="paper", read_only=True, help_text="The paper in force (auto resolved)."
    )
    mail_body = serializers.ChoiceField(
        choices=MailBody.values,
        read_only=True,
        help_text="What the text of an e-mail to the faxbox becomes: cover (a cover page "
        "from subject and body), none (attachments only), text (a plain-text page).",
    )

    class Meta:
        model = Faxbox
        fields = [
            "id",
            "account_id",
            "name",
            "numbers",
            "caller_id",
            "caller_name",
            "fax_header",
            "fax_identity",
            "fax_timezone",
            "retries",
            "created_at",
            "retention_days",
            "effective_retention_days",
            "paper_size",
            "effective_paper_size",
            "mail_body",
        ]

    def get_numbers(self, faxbox: Faxbox) -> list[str]:
        return [n.number for n in faxbox.numbers.all()]

    def get_effective_retention_days(self, faxbox: Faxbox) -> int:
        return effective_retention_days(faxbox.account, faxbox)


def _live_faxboxes():
    return Faxbox.objects.live().select_related("account").prefetch_related("numbers")


class FaxboxList(AccountScopedMixin, V1APIView):
    @extend_schema(
        operation_id="faxboxes_list",
        tags=["accounts"],
        responses={
            200: inline_serializer("FaxboxListAnswer", {"data": FaxboxSerializer(many=True)}),
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, account_id: str) -> Response:
        account = self.target_account(request, account_id)
        faxboxes = _live_faxboxes().for_account(account)
        return Response({"data": FaxboxSerializer(faxboxes, many=True).data})


_ANSWER = inline_serializer("FaxboxAnswer", {"data": FaxboxSerializer()})


class FaxboxDetail(AccountScopedMixin, V1APIView):
    required_scopes = MANAGE_ON_PATCH
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="faxboxes_retrieve",
        tags=["accounts"],
        responses={
            200: _ANSWER,
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, account_id: str, faxbox_id: str) -> Response:
        account = self.target_account(request, account_id)
        faxbox = get_for_account_or_404(_live_faxboxes(), account, pk=faxbox_id)
        return Response({"data": FaxboxSerializer(faxbox).data})

    @extend_schema(
        operation_id="faxboxes_partial_update",
        tags=["accounts"],
        summary="Change the faxbox's file retention, paper size or e-mail body setting",
        request=shapes.FaxboxPatch,
        responses={200: _ANSWER, **errors(400, 401, 403, 404, 429, body=True)},
    )
    def patch(self, request: Request, account_id: str, faxbox_id: str) -> Response:
        account = self.target_account(request, account_id)
        faxbox = get_for_account_or_404(_live_faxboxes(), account, pk=faxbox_id)
        body = _patch_body(request)
        try:
            # All or nothing: a refused field leaves the ones before it unchanged too.
            with transaction.atomic():
                if "mail_body" in body:
                    set_faxbox_mail_body(faxbox, body["mail_body"])
                if "paper_size" in body:
                    set_faxbox_paper_size(faxbox, body["paper_size"])
                if "retention_days" in body:
                    set_faxbox_retention(faxbox, body["retention_days"])
        except ValidationError as exc:
            return invalid(exc)
        if "paper_size" in body:
            audit.record(
                "faxbox.updated", account=account, principal=request.user, request=request,
                faxbox=faxbox.pk, paper_size=faxbox.paper_size,
            )  # fmt: skip
        if "mail_body" in body:
            audit.record(
                "faxbox.updated", account=account, principal=request.user, request=request,
                faxbox=faxbox.pk, mail_body=faxbox.mail_body,
            )  # fmt: skip
        if "retention_days" in body:
            audit.record(
                "faxbox.retention_changed",
                account=account,
                principal=request.user,
                request=request,
                faxbox=faxbox.pk,
                retention_days=faxbox.retention_days,
            )
        return Response({"data": FaxboxSerializer(faxbox).data})


def _patch_body(request: Request) -> dict:
    """The PATCH body: ``retention_days``, ``paper_size`` and/or ``mail_body`` (checked by
    the services);
    400 for any other shape."""
    body = request.data
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    unknown = sorted(set(body) - set(_PATCHABLE))
    if unknown:
        raise BadRequest(
            "Only retention_days, paper_size and mail_body can be changed here, "
            f"not {', '.join(unknown)}."
        )
    if not body:
        raise BadRequest("Give retention_days (days, 0 to keep, or null), paper_size or mail_body.")
    return body
