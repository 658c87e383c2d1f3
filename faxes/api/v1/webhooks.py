"""Webhook endpoints and their delivery log: ``/webhooks…`` (account admins:
``faxbox:manage`` scope, which only admins' sessions and admin-made tokens hold)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import scopes
from faxes.api.v1 import lookups, openapi, pagination
from faxes.api.v1.base import BadRequest, V1APIView, invalid
from faxes.api.v1.parsers import JSONParser
from faxes.models import WebhookDelivery, WebhookEndpoint
from faxes.native_format import iso
from faxes.services import webhooks

MANAGE = {"*": scopes.FAXBOX_MANAGE}
FIELDS = ("url", "events", "description", "enabled")


def endpoint_item(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        # Until then deliveries also carry a signature made with the secret before the last
        # rotation (null when there is none, or it has expired).
        "previous_secret_expires_at": iso(_grace_end(endpoint)),
        "created_at": iso(endpoint.created_at),
        "updated_at": iso(endpoint.updated_at),
    }


def _grace_end(endpoint: WebhookEndpoint):
    expires = endpoint.previous_secret_expires_at
    return expires if expires and expires > timezone.now() else None


def delivery_item(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "endpoint_id": delivery.endpoint_id,
        "event": delivery.event,
        "fax_id": delivery.fax_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_response": delivery.last_response or None,
        "last_error": delivery.last_error or None,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
        "payload": delivery.payload,
    }


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return request.data


def _endpoints(view: V1APIView, request: Request):
    # The secret is only needed to sign; listing never decrypts it.
    return WebhookEndpoint.objects.for_account(view.account(request)).defer(
        "secret", "previous_secret"
    )


def _endpoint(view: V1APIView, request: Request, endpoint_id: str) -> WebhookEndpoint:
    return lookups.one(_endpoints(view, request), view.account(request), endpoint_id)


class WebhookList(V1APIView):
    required_scopes = MANAGE
    parser_classes = [JSONParser]

    @openapi.webhook_list
    def get(self, request: Request) -> Response:
        items = [endpoint_item(e) for e in _endpoints(self, request).order_by("-created_at")]
        return Response({"data": {"webhooks": items}})

    @openapi.webhook_create
    def post(self, request: Request) -> Response:
        body = _body(request)
        try:
            endpoint, secret = webhooks.create_endpoint(
                self.account(request), **{k: body[k] for k in (*FIELDS, "secret") if k in body}
            )
        except ValidationError as exc:
            return invalid(exc)
        data = {**endpoint_item(endpoint), "secret": secret}
        return Response({"data": data}, status=status.HTTP_201_CREATED)


class WebhookDetail(V1APIView):
    required_scopes = MANAGE
    parser_classes = [JSONParser]

    @openapi.webhook_detail
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response({"data": endpoint_item(_endpoint(self, request, endpoint_id))})

    @openapi.webhook_update
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint(self, request, endpoint_id)
        body = _body(request)
        try:
            webhooks.update_endpoint(endpoint, **{k: body[k] for k in FIELDS if k in body})
        except ValidationError as exc:
            return invalid(exc)
        return Response({"data": endpoint_item(endpoint)})

    @openapi.webhook_delete
    def delete(self, request: Request, endpoint_id: str) -> Response:
        _endpoint(self, request, endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecret(V1APIView):
    required_scopes = MANAGE
    parser_classes = [JSONParser]

    @openapi.webhook_rotate
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint(self, request, endpoint_id)
        body = _body(request) if request.data else {}
        try:
            secret = webhooks.rotate_secret(endpoint, body.get("secret"), body.get("grace_seconds"))
        except ValidationError as exc:
            return invalid(exc)
        return Response({"data": {**endpoint_item(endpoint), "secret": secret}})


class WebhookDeliveries(V1APIView):
    required_scopes = MANAGE

    @openapi.webhook_deliveries
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint(self, request, endpoint_id)
        page = pagination.parse(request.query_params)
        deliveries = WebhookDelivery.objects.for_account(self.account(request)).filter(
            endpoint=endpoint
        )
        wanted = (request.query_params.get("status") or "").strip()
        if wanted:
            if wanted not in WebhookDelivery.Status.values:
                raise BadRequest("status must be pending, succeeded or failed.")
            deliveries = deliveries.filter(status=wanted)
        items, meta = pagination.paginate(deliveries, page)
        return Response(
            {"data": {"deliveries": [delivery_item(d) for d in items]}, "pagination": meta}
        )


class WebhookRedeliver(V1APIView):
    required_scopes = MANAGE

    @openapi.webhook_redeliver
    def post(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        endpoint = _endpoint(self, request, endpoint_id)
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        delivery = lookups.one(deliveries, self.account(request), delivery_id)
        copy = webhooks.redeliver(delivery)
        return Response({"data": delivery_item(copy)}, status=status.HTTP_202_ACCEPTED)
