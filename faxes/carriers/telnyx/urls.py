"""Telnyx's webhooks, at ``/hooks/telnyx/`` (this path is configured at the carrier)."""

from django.urls import path

from faxes.carriers.telnyx import views

urlpatterns = [
    path("<str:key>/events", views.events, name="telnyx-events"),
]
