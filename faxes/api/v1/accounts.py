from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from faxes.api.v1.base import AccountScopedMixin, V1APIView
from faxes.api.v1.openapi import errors


class AccountSerializer(serializers.ModelSerializer):
    parent_id = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = ["id", "name", "realm", "timezone", "enabled", "parent_id", "created_at"]


class AccountDetail(AccountScopedMixin, V1APIView):
    """The caller's account, or one of its descendants (resellers)."""

    @extend_schema(
        operation_id="accounts_retrieve",
        tags=["accounts"],
        responses={200: inline_serializer("AccountAnswer", {"data": AccountSerializer()}),
                   **errors(401, 403, 404, 429)},
    )  # fmt: skip
    def get(self, request: Request, account_id: str) -> Response:
        account = self.target_account(request, account_id)
        return Response({"data": AccountSerializer(account).data})
