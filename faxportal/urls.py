from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def kazoo_v1_gone(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Kazoo answers its retired /v1 API with 410; clients defaulting to it learn to use /v2."""
    body = {"status": "error", "error": "410", "message": "gone", "data": {"message": "use /v2"}}
    return JsonResponse(body, status=410)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("faxes.api.v1.urls")),
    path("v2/", include("faxes.api.kazoo.urls")),
    re_path(r"^v1/(?P<rest>.*)$", kazoo_v1_gone),
    path("hooks/", include("faxes.carriers.urls")),
    path("healthz", healthz, name="healthz"),
    # The words of static/js/portal.js in the page's language (gettext, ngettext, interpolate).
    # Only the portal's catalogue (locale/): "faxes" has no catalogue of its own.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["faxes"]), name="javascript-catalog"),
    path("", include("faxes.urls")),
    path("", include("accounts.urls")),
]
