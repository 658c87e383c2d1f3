from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.tenancy import get_for_account_or_404
from faxes.api.v1 import openapi_shapes as shapes
from faxes.api.v1.base import AccountScopedMixin, V1APIView, invalid
from faxes.api.v1.openapi import errors
from faxes.api.v1.parsers import JSONParser
from faxes.api.v1.retention import MANAGE_ON_PATCH, retention_from
from faxes.models import Faxbox
from faxes.services import audit
from faxes.services.retention import effective_retention_days, set_faxbox_retention


class FaxboxSerializer(serializers.ModelSerializer):
    numbers = serializers.SerializerMethodField()
    account_id = serializers.CharField(read_only=True)
    # The API keeps its name for Faxbox.max_attempts.
    retries = serializers.IntegerField(source="max_attempts", read_only=True)
    effective_retention_days = serializers.SerializerMethodField(
        help_text="The retention in force: retention_days, else the account's, else the "
        "portal's (0 = kept)."
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
        summary="Change the faxbox's file retention",
        request=shapes.RetentionPatch,
        responses={200: _ANSWER, **errors(400, 401, 403, 404, 429, body=True)},
    )
    def patch(self, request: Request, account_id: str, faxbox_id: str) -> Response:
        account = self.target_account(request, account_id)
        faxbox = get_for_account_or_404(_live_faxboxes(), account, pk=faxbox_id)
        try:
            set_faxbox_retention(faxbox, retention_from(request))
        except ValidationError as exc:
            return invalid(exc)
        audit.record(
            "faxbox.retention_changed",
            account=account,
            principal=request.user,
            request=request,
            faxbox=faxbox.pk,
            retention_days=faxbox.retention_days,
        )
        return Response({"data": FaxboxSerializer(faxbox).data})
