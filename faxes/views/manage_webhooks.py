"""Account admin: webhook endpoints (secret shown once) and their recent deliveries.

Only listing, creating and enabling/disabling; signing, delivery and retries
belong to ``faxes.services.webhooks``, which this page calls.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.tenancy import get_for_account_or_404
from faxes.models import WebhookDelivery, WebhookEndpoint
from faxes.services import webhooks
from faxes.views.common import MANAGE, add_service_errors, audit, portal_page, require, secret_page
from faxes.webhooks.events import ALL_EVENTS, DEFAULT_EVENTS

RECENT_DELIVERIES = 50


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="URL", max_length=2000, widget=forms.URLInput(attrs={"placeholder": "https://"})
    )
    events = forms.MultipleChoiceField(
        choices=list(ALL_EVENTS.items()),
        initial=DEFAULT_EVENTS,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(required=False, max_length=200)


@portal_page(MANAGE)
def webhook_list(request: HttpRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.for_account(request.account)
    deliveries = (
        WebhookDelivery.objects.for_account(request.account)
        .select_related("endpoint")
        .order_by("-created_at")[:RECENT_DELIVERIES]
    )
    form = WebhookForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.create_endpoint(request.account, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            audit(request, "webhook.created", webhook=endpoint.pk, url=endpoint.url)
            form = WebhookForm()
    return secret_page(
        request,
        "manage/webhooks.html",
        {
            "endpoints": endpoints,
            "deliveries": deliveries,
            "form": form,
            "secret": secret,
            "nav": "webhooks",
        },
    )


@require_POST
@portal_page()
def webhook_toggle(request: HttpRequest, webhook_id: str) -> HttpResponse:
    endpoint = get_for_account_or_404(WebhookEndpoint, request.account, pk=webhook_id)
    require(request, MANAGE)
    enabled = request.POST.get("enabled") == "1"
    webhooks.update_endpoint(endpoint, enabled=enabled)
    audit(
        request,
        "webhook.enabled" if enabled else "webhook.disabled",
        webhook=endpoint.pk,
        url=endpoint.url,
    )
    messages.success(request, f"{'Enabled' if enabled else 'Disabled'} {endpoint.url}.")
    return redirect("manage-webhooks")
