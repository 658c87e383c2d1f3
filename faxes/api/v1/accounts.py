"""``/accounts/{id}``: the caller's account or a descendant (resellers); account admins
change its file retention with PATCH."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from faxes.api.v1 import openapi_shapes as shapes
from faxes.api.v1.base import AccountScopedMixin, V1APIView, invalid
from faxes.api.v1.openapi import errors
from faxes.api.v1.parsers import JSONParser
from faxes.api.v1.retention import MANAGE_ON_PATCH, retention_from
from faxes.services import audit
from faxes.services.retention import effective_retention_days, set_account_retention


class AccountSerializer(serializers.ModelSerializer):
    parent_id = serializers.CharField(read_only=True, allow_null=True)
    effective_retention_days = serializers.SerializerMethodField(
        help_text="The retention in force: retention_days, else the portal's (0 = kept)."
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "realm",
            "timezone",
            "enabled",
            "parent_id",
            "created_at",
            "retention_days",
            "effective_retention_days",
        ]

    def get_effective_retention_days(self, account: Account) -> int:
        return effective_retention_days(account)


_ANSWER = inline_serializer("AccountAnswer", {"data": AccountSerializer()})


class AccountDetail(AccountScopedMixin, V1APIView):
    """The caller's account, or one of its descendants (resellers)."""

    required_scopes = MANAGE_ON_PATCH
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="accounts_retrieve",
        tags=["accounts"],
        responses={200: _ANSWER, **errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, account_id: str) -> Response:
        account = self.target_account(request, account_id)
        return Response({"data": AccountSerializer(account).data})

    @extend_schema(
        operation_id="accounts_partial_update",
        tags=["accounts"],
        summary="Change the account's file retention",
        request=shapes.RetentionPatch,
        responses={200: _ANSWER, **errors(400, 401, 403, 404, 429, body=True)},
    )
    def patch(self, request: Request, account_id: str) -> Response:
        account = self.target_account(request, account_id)
        try:
            set_account_retention(account, retention_from(request))
        except ValidationError as exc:
            return invalid(exc)
        audit.record("account.retention_changed", account=account, principal=request.user,
                     request=request, retention_days=account.retention_days)  # fmt: skip
        return Response({"data": AccountSerializer(account).data})
