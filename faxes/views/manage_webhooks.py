"""Account admin: webhook endpoints (secret shown once) and their recent deliveries.

Only listing, creating and enabling/disabling; signing, delivery and retries
belong to ``faxes.services.webhooks``, which this page calls.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from accounts.tenancy import get_for_account_or_404
from faxes.models import WebhookDelivery, WebhookEndpoint
from faxes.services import form_keys, webhooks
from faxes.views.common import (
    MANAGE,
    PortalRequest,
    add_service_errors,
    audit,
    confirm_first,
    portal_page,
    require,
    secret_page,
    stash_secret,
    take_secret,
)
from faxes.webhooks.events import ALL_EVENTS, DEFAULT_EVENTS

RECENT_DELIVERIES = 50


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=list(ALL_EVENTS.items()),
        initial=DEFAULT_EVENTS,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=200)


@portal_page(MANAGE)
def webhook_list(request: PortalRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.for_account(request.account)
    deliveries = (
        WebhookDelivery.objects.for_account(request.account)
        .select_related("endpoint")
        .order_by("-created_at")[:RECENT_DELIVERIES]
    )
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            endpoint, secret = webhooks.create_endpoint(request.account, **form.cleaned_data)
            audit(request, "webhook.created", webhook=endpoint.pk, url=endpoint.url)
            stash_secret(request, "webhook", {"url": endpoint.url, "secret": secret})
            return reverse("manage-webhooks")

        try:
            url, _ = form_keys.once(
                account=request.account,
                user=request.user,
                key=request.POST.get(form_keys.FIELD, ""),
                create=create,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(url)  # post/redirect/get: a reload creates nothing
    shown = take_secret(request, "webhook") if request.method == "GET" else None
    secret = shown["secret"] if shown else None
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
def webhook_toggle(request: PortalRequest, webhook_id: str) -> HttpResponse:
    endpoint = get_for_account_or_404(WebhookEndpoint, request.account, pk=webhook_id)
    require(request, MANAGE)
    enabled = request.POST.get("enabled") == "1"
    if not enabled:
        ask = confirm_first(
            request,
            title=gettext("Disable webhook"),
            question=gettext("Disable the webhook to %(url)s?") % {"url": endpoint.url},
            consequence=gettext("No more events are sent to it until it is enabled again."),
            confirm_label=gettext("Disable webhook"),
            back=reverse("manage-webhooks"),
            nav="webhooks",
            fields={"enabled": "0"},
        )
        if ask is not None:
            return ask
    webhooks.update_endpoint(endpoint, enabled=enabled)
    audit(
        request,
        "webhook.enabled" if enabled else "webhook.disabled",
        webhook=endpoint.pk,
        url=endpoint.url,
    )
    messages.success(
        request,
        (gettext("Enabled %(url)s.") if enabled else gettext("Disabled %(url)s."))
        % {"url": endpoint.url},
    )
    return redirect("manage-webhooks")
