"""Routes of the Kazoo-compatible API, mounted at /v2/."""

from django.urls import URLPattern, URLResolver, include, path

from faxes.api.kazoo import auth, callflows, faxboxes, faxes

FAX_ID = "<str:fax_id>"

# The faxes routes, repeated under /faxboxes/{FB}/ and /users/{U}/.
fax_routes: list[URLPattern | URLResolver] = [
    path("faxes", faxes.FaxCollection.as_view()),
    path("faxes/outgoing", faxes.Outgoing.as_view()),
    path(f"faxes/outgoing/{FAX_ID}", faxes.OutgoingItem.as_view()),
    path(f"faxes/outgoing/{FAX_ID}/attachment", faxes.OutgoingAttachment.as_view()),
    path("faxes/outbox", faxes.Outbox.as_view()),
    path(f"faxes/outbox/{FAX_ID}", faxes.OutboxItem.as_view()),
    path(f"faxes/outbox/{FAX_ID}/attachment", faxes.OutboxAttachment.as_view()),
    path("faxes/inbox", faxes.Inbox.as_view()),
    path(f"faxes/inbox/{FAX_ID}", faxes.InboxItem.as_view()),
    path(f"faxes/inbox/{FAX_ID}/attachment", faxes.InboxAttachment.as_view()),
    path("faxes/incoming", faxes.Inbox.as_view()),
    path(f"faxes/incoming/{FAX_ID}", faxes.InboxItem.as_view()),
    path("faxes/smtplog", faxes.Smtplog.as_view()),
    path("faxes/smtplog/<str:log_id>", faxes.SmtplogItem.as_view()),
    path(f"faxes/{FAX_ID}", faxes.FaxItem.as_view()),
    path(f"faxes/{FAX_ID}/attachment", faxes.FaxItemAttachment.as_view()),
]

account_routes: list[URLPattern | URLResolver] = [
    *fax_routes,
    path("faxboxes/<str:faxbox_id>/", include(fax_routes)),
    path("users/<str:user_id>/", include(fax_routes)),
    path("faxboxes", faxboxes.FaxboxCollection.as_view()),
    path("faxboxes/<str:faxbox_id>", faxboxes.FaxboxItem.as_view()),
    path("callflows", callflows.CallflowCollection.as_view()),
    path("callflows/<str:callflow_id>", callflows.CallflowItem.as_view()),
]

urlpatterns = [
    path("user_auth", auth.UserAuth.as_view(), name="kazoo-user-auth"),
    path("api_auth", auth.ApiAuth.as_view(), name="kazoo-api-auth"),
    path("token_auth", auth.TokenAuth.as_view(), name="kazoo-token-auth"),
    path("accounts/<str:account_id>/", include(account_routes)),
]
