"""SignalWire's callbacks, at ``/hooks/signalwire/`` (these paths are configured at the carrier)."""

from django.urls import path

from faxes.carriers.signalwire import views

urlpatterns = [
    path("<str:key>/incoming", views.callback, {"kind": "incoming"}, name="signalwire-incoming"),
    path(
        "<str:key>/status/<str:token>",
        views.callback,
        {"kind": "status"},
        name="signalwire-status",
    ),
    path(
        "<str:key>/received/<str:token>",
        views.callback,
        {"kind": "received"},
        name="signalwire-received",
    ),
]
