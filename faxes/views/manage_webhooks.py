"""Account admin: webhook endpoints (secret shown once) and their recent deliveries.

Only listing, creating and enabling/disabling; signing, delivery and retries
belong to ``faxes.services.webhooks``, which this page calls.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from faxes.models import WebhookDelivery, WebhookEndpoint
from faxes.services import webhooks
from faxes.views.common import MANAGE, audit, portal_page, require
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
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            audit(request, "webhook.created", webhook=endpoint.pk, url=endpoint.url)
            form = WebhookForm()
    response = render(
        request,
        "manage/webhooks.html",
        {
            "endpoints": endpoints,
            "deliveries": deliveries,
            "form": form,
            "secret": secret,
            "nav": "webhooks",
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@require_POST
@portal_page()
def webhook_toggle(request: HttpRequest, webhook_id: str) -> HttpResponse:
    try:
        endpoint = WebhookEndpoint.objects.for_account(request.account).get(pk=webhook_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404("No such webhook.") from None
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
