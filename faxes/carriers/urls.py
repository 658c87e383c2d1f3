"""Carrier endpoints, mounted at ``/hooks/``: each cloud carrier's own URLs under
``/hooks/<name>/`` (from the registry), and the media links carriers fetch documents from."""

from django.urls import include, path

from faxes.carriers import registry
from faxes.carriers.media import views as media

urlpatterns = [
    *(
        path(f"{carrier.name}/", include(carrier.urls))
        for carrier in registry.CARRIERS
        if carrier.urls
    ),
    path("media/<str:token>/fax.pdf", media.carrier_media, name="carrier-media"),
]
