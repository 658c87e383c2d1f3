"""Routes of the native API under /api/v1/.

Every route also answers with a trailing slash (Express, which the reference
runs on, ignores it; so must we, for its clients). Anything else under
/api/v1/ is the contract's JSON 404.
"""

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from faxes.api.v1 import accounts, faxboxes, received, send, sent, webhooks
from faxes.api.v1.base import ApiNotFound
from faxes.api.v1.openapi import ENUM_NAMES


def route(pattern: str, view, name: str) -> list[URLPattern]:
    return [path(pattern, view, name=name), path(pattern + "/", view)]


SCHEMA_SETTINGS = {
    "PREPROCESSING_HOOKS": ["faxes.api.v1.openapi.v1_only"],
    "ENUM_NAME_OVERRIDES": ENUM_NAMES,
}

urlpatterns = [
    *route("accounts/<str:account_id>", accounts.AccountDetail.as_view(), "v1-account"),
    *route("accounts/<str:account_id>/faxboxes", faxboxes.FaxboxList.as_view(), "v1-faxbox-list"),
    *route(
        "accounts/<str:account_id>/faxboxes/<str:faxbox_id>",
        faxboxes.FaxboxDetail.as_view(),
        "v1-faxbox-detail",
    ),
    # The contract's routes; the fixed words before <fax_id>.
    *route("faxes", received.ReceivedList.as_view(), "v1-fax-list"),
    *route("faxes/send", send.SendFax.as_view(), "v1-fax-send"),
    *route("faxes/sent", sent.SentList.as_view(), "v1-sent-list"),
    *route("faxes/sent/<str:fax_id>", sent.SentDetail.as_view(), "v1-sent-detail"),
    *route("faxes/sent/<str:fax_id>/receipt", sent.SentReceipt.as_view(), "v1-sent-receipt"),
    *route("faxes/sent/<str:fax_id>/download", sent.SentDownload.as_view(), "v1-sent-download"),
    *route("faxes/<str:fax_id>", received.ReceivedDetail.as_view(), "v1-fax-detail"),
    *route("faxes/<str:fax_id>/download", received.ReceivedDownload.as_view(), "v1-fax-download"),
    *route(
        "faxes/<str:fax_id>/downloaded",
        received.ReceivedDownloaded.as_view(),
        "v1-fax-downloaded",
    ),
    *route("webhooks", webhooks.WebhookList.as_view(), "v1-webhook-list"),
    *route("webhooks/<str:endpoint_id>", webhooks.WebhookDetail.as_view(), "v1-webhook-detail"),
    *route(
        "webhooks/<str:endpoint_id>/rotate-secret",
        webhooks.WebhookRotateSecret.as_view(),
        "v1-webhook-rotate-secret",
    ),
    *route(
        "webhooks/<str:endpoint_id>/deliveries",
        webhooks.WebhookDeliveries.as_view(),
        "v1-webhook-deliveries",
    ),
    *route(
        "webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/redeliver",
        webhooks.WebhookRedeliver.as_view(),
        "v1-webhook-redeliver",
    ),
    path(
        "schema/",
        SpectacularAPIView.as_view(custom_settings=SCHEMA_SETTINGS),
        name="v1-schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="v1-schema"), name="v1-docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="v1-schema"), name="v1-redoc"),
    re_path(r"^.*$", ApiNotFound.as_view()),
]
