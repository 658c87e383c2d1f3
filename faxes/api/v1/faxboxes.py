from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.tenancy import get_for_account_or_404
from faxes.api.v1.base import AccountScopedMixin, V1APIView
from faxes.api.v1.openapi import errors
from faxes.models import Faxbox


class FaxboxSerializer(serializers.ModelSerializer):
    numbers = serializers.SerializerMethodField()
    account_id = serializers.CharField(read_only=True)

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
        ]

    def get_numbers(self, faxbox: Faxbox) -> list[str]:
        return [n.number for n in faxbox.numbers.all()]


def _live_faxboxes():
    return Faxbox.objects.live().prefetch_related("numbers")


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


class FaxboxDetail(AccountScopedMixin, V1APIView):
    @extend_schema(
        operation_id="faxboxes_retrieve",
        tags=["accounts"],
        responses={
            200: inline_serializer("FaxboxAnswer", {"data": FaxboxSerializer()}),
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, account_id: str, faxbox_id: str) -> Response:
        account = self.target_account(request, account_id)
        faxbox = get_for_account_or_404(_live_faxboxes(), account, pk=faxbox_id)
        return Response({"data": FaxboxSerializer(faxbox).data})
