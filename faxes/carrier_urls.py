"""Carrier endpoints, mounted at ``/hooks/`` (see ``faxes.callbacks``)."""

from django.urls import path

from faxes.callbacks import media, signalwire, telnyx

urlpatterns = [
    path(
        "signalwire/<str:key>/incoming",
        signalwire.callback,
        {"kind": "incoming"},
        name="signalwire-incoming",
    ),
    path(
        "signalwire/<str:key>/status/<str:token>",
        signalwire.callback,
        {"kind": "status"},
        name="signalwire-status",
    ),
    path(
        "signalwire/<str:key>/received/<str:token>",
        signalwire.callback,
        {"kind": "received"},
        name="signalwire-received",
    ),
    path("telnyx/<str:key>/events", telnyx.events, name="telnyx-events"),
    path("media/<str:token>/fax.pdf", media.carrier_media, name="carrier-media"),
]
