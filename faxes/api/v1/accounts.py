from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from faxes.api.v1.base import AccountScopedMixin


class AccountSerializer(serializers.ModelSerializer):
    parent_id = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = ["id", "name", "realm", "timezone", "enabled", "parent_id", "created_at"]


class AccountDetail(AccountScopedMixin, APIView):
    """The caller's account, or one of its descendants (resellers)."""

    def get(self, request: Request, account_id: str) -> Response:
        account = self.target_account(request, account_id)
        return Response({"data": AccountSerializer(account).data})
