from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("faxes.api.v1.urls")),
    path("v2/", include("faxes.api.kazoo.urls")),
    path("hooks/", include("faxes.carrier_urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("faxes.urls")),
    path("", include("accounts.urls")),
]
