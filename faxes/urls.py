"""Routes of the staff browser UI (mounted at the site root)."""

from django.urls import path

from faxes.views import (
    account_page,
    audit_log,
    contacts,
    detail,
    files,
    lists,
    manage_faxboxes,
    manage_tokens,
    manage_users,
    manage_webhooks,
    send,
)

urlpatterns = [
    path("", account_page.home, name="home"),
    path("accounts/<str:account_id>/", account_page.account_detail, name="account-detail"),
    path("inbox/", lists.inbox, name="inbox"),
    path("outbox/", lists.outbox, name="outbox"),
    path("inbox/unread/", lists.unread, name="inbox-unread"),
    path("send/", send.send, name="send"),
    path("send/preview/", send.preview, name="send-preview"),
    path("send/recipients/", send.check_recipients, name="send-recipients"),
    path("faxes/<str:fax_id>/", detail.fax_detail, name="fax-detail"),
    path("faxes/<str:fax_id>/read/", detail.mark, name="fax-mark"),
    path("faxes/<str:fax_id>/forward/", detail.forward, name="fax-forward"),
    path("faxes/<str:fax_id>/cancel/", detail.cancel, name="fax-cancel"),
    path("faxes/<str:fax_id>/resubmit/", detail.resubmit, name="fax-resubmit"),
    path("faxes/<str:fax_id>/delete/", detail.delete, name="fax-delete"),
    path("faxes/<str:fax_id>/purge/", detail.purge, name="fax-purge"),
    path("faxes/<str:fax_id>/fax.pdf", files.download_pdf, name="fax-pdf"),
    path("faxes/<str:fax_id>/view.pdf", files.view_pdf, name="fax-view-pdf"),
    path("faxes/<str:fax_id>/pages/<int:number>/rotate/", detail.rotate, name="fax-page-rotate"),
    path("faxes/<str:fax_id>/fax.tiff", files.download_tiff, name="fax-tiff"),
    path("faxes/<str:fax_id>/receipt.pdf", files.download_receipt, name="fax-receipt"),
    path("faxes/<str:fax_id>/pages/<int:number>.png", files.page_image, name="fax-page"),
    path("faxes/<str:fax_id>/thumbnail.png", files.thumbnail, name="fax-thumbnail"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_create, name="contact-create"),
    path("contacts/suggest/", contacts.suggest, name="contact-suggest"),
    path("contacts/<str:contact_id>/", contacts.contact_edit, name="contact-edit"),
    path("contacts/<str:contact_id>/delete/", contacts.contact_delete, name="contact-delete"),
    path("manage/faxboxes/", manage_faxboxes.faxbox_list, name="manage-faxboxes"),
    path("manage/retention/", manage_faxboxes.account_retention, name="manage-account-retention"),
    path("manage/faxboxes/new/", manage_faxboxes.faxbox_create, name="manage-faxbox-create"),
    path(
        "manage/faxboxes/<str:faxbox_id>/", manage_faxboxes.faxbox_edit, name="manage-faxbox-edit"
    ),
    path("manage/users/", manage_users.user_list, name="manage-users"),
    path("manage/users/<str:user_id>/role/", manage_users.user_role, name="manage-user-role"),
    path("manage/users/<str:user_id>/active/", manage_users.user_active, name="manage-user-active"),
    path(
        "manage/users/<str:user_id>/reset-link/",
        manage_users.user_reset_link,
        name="manage-user-reset-link",
    ),
    path(
        "manage/users/<str:user_id>/two-factor/reset/",
        manage_users.user_two_factor_reset,
        name="manage-user-two-factor-reset",
    ),
    path(
        "manage/two-factor-required/",
        manage_users.two_factor_required,
        name="manage-two-factor-required",
    ),
    path("manage/tokens/", manage_tokens.token_list, name="manage-tokens"),
    path(
        "manage/tokens/<str:token_id>/revoke/",
        manage_tokens.token_revoke,
        name="manage-token-revoke",
    ),
    path("manage/webhooks/", manage_webhooks.webhook_list, name="manage-webhooks"),
    path(
        "manage/webhooks/<str:webhook_id>/toggle/",
        manage_webhooks.webhook_toggle,
        name="manage-webhook-toggle",
    ),
    path("manage/audit/", audit_log.audit_log, name="manage-audit"),
]
