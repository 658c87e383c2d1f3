from django.urls import path

from faxes.api.v1 import accounts, faxboxes

urlpatterns = [
    path("accounts/<str:account_id>", accounts.AccountDetail.as_view(), name="v1-account"),
    path(
        "accounts/<str:account_id>/faxboxes",
        faxboxes.FaxboxList.as_view(),
        name="v1-faxbox-list",
    ),
    path(
        "accounts/<str:account_id>/faxboxes/<str:faxbox_id>",
        faxboxes.FaxboxDetail.as_view(),
        name="v1-faxbox-detail",
    ),
]
