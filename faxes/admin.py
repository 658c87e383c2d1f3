from django.contrib import admin
from django.db import models

from faxes.models import (
    Attempt,
    AuditEvent,
    Callflow,
    DocumentPart,
    Fax,
    Faxbox,
    FaxDocument,
    FaxEvent,
    FaxNumber,
    InboundRefusal,
    Receipt,
    SmtpCredential,
    SmtpLog,
)
from faxes.services.mail_in import create_credential


class FaxNumberInline(admin.TabularInline):
    model = FaxNumber
    extra = 0
    fields = ["number", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Faxbox)
class FaxboxAdmin(admin.ModelAdmin):
    actions = ["new_smtp_credential"]
    list_display = [
        "name",
        "account",
        "caller_id",
        "fax_timezone",
        "max_attempts",
        "paper_size",
        "mail_body",
        "retention_days",
        "deleted_at",
    ]
    list_filter = [
        ("deleted_at", admin.EmptyFieldListFilter),
        "paper_size",
        "mail_body",
        "fax_timezone",
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "id", "caller_id", "numbers__number", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "owner"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [FaxNumberInline]

    @admin.action(description="New SMTP AUTH login (e-mail to fax from a copier)")
    def new_smtp_credential(self, request, queryset) -> None:
        for faxbox in queryset.live():
            credential, password = create_credential(faxbox)
            # Shown once: only its digest is stored.
            self.message_user(
                request,
                f"{faxbox.name}: user name {credential.username}, password {password}",
                messages.WARNING,
            )

    def save_formset(self, request, form, formset, change):
        # Numbers always belong to the faxbox's own account.
        for number in formset.save(commit=False):
            number.account_id = form.instance.account_id
            number.save()
        for number in formset.deleted_objects:
            number.delete()


@admin.register(Callflow)
class CallflowAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "faxbox", "account", "created_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "id", "fax_numbers__number", "account__name"]
    list_select_related = ["faxbox", "account"]
    raw_id_fields = ["faxbox", "account"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(FaxNumber)
class FaxNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "faxbox", "account", "callflow", "created_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "faxbox__name", "account__name"]
    list_select_related = ["faxbox", "account"]
    raw_id_fields = ["faxbox", "account", "callflow"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "transport",
        "started_at",
        "ended_at",
        "success",
        "result_code",
        "result_text",
        "pages_sent",
        "speed",
        "ecm",
        "compression",
        "bad_rows",
        "receiver_id",
        "time_elapsed",
    )
    readonly_fields = fields


class FaxEventInline(admin.TabularInline):
    model = FaxEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "reason")
    readonly_fields = fields


@admin.register(Fax)
class FaxAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "account",
        "faxbox",
        "direction",
        "status",
        "from_number",
        "to_number",
        "pages",
        "created_at",
    ]
    list_filter = [
        "direction",
        "status",
        "resolution",
        "paper_size",
        "ocr_status",
        ("attachment_purged_at", admin.EmptyFieldListFilter),
        ("deleted_at", admin.EmptyFieldListFilter),
        "created_at",
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["id", "from_number", "to_number", "remote_station_id", "carrier_fax_id"]
    list_select_related = ["account", "faxbox"]
    raw_id_fields = ["account", "faxbox", "owner"]
    readonly_fields = ["id", "claim_token", "text", "ocr_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [AttemptInline, FaxEventInline]
    show_full_result_count = False  # COUNT(*) over millions of faxes is slow


class DocumentPartInline(admin.TabularInline):
    model = DocumentPart
    extra = 0
    can_delete = False
    fields = ("position", "filename", "url", "content_type", "size", "sha256", "fetched_at")
    readonly_fields = fields


@admin.register(FaxDocument)
class FaxDocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "idempotency_key", "created_at", "purged_at"]
    list_filter = [
        ("purged_at", admin.EmptyFieldListFilter),
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["id", "idempotency_key", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    inlines = [DocumentPartInline]


@admin.register(InboundRefusal)
class InboundRefusalAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_number", "from_number", "transport", "reason"]
    list_filter = ["transport", "reason"]
    search_fields = ["to_number", "from_number", "carrier_fax_id"]
    date_hierarchy = "created_at"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "action", "fax", "user", "token", "ip_address"]
    list_filter = ["action", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["action", "fax__id", "user__username", "account__name", "ip_address"]
    list_select_related = ["account", "user", "token"]
    raw_id_fields = ["account", "fax", "user", "token"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    # The audit trail is evidence: nobody edits or deletes it, operators included.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = [
        "fax",
        "number",
        "account",
        "transport",
        "success",
        "result_code",
        "pages_sent",
        "started_at",
    ]
    list_filter = ["transport", "success", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["fax__id", "carrier_id", "result_text", "receiver_id"]
    list_select_related = ["account", "fax"]
    raw_id_fields = ["fax", "account"]
    date_hierarchy = "started_at"
    show_full_result_count = False


# --- Cloud carrier configuration ------------------------------------------------------------

from urllib.parse import urlsplit  # noqa: E402

from django import forms  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils.html import format_html, format_html_join  # noqa: E402

from faxes.models import CarrierConfig  # noqa: E402


def _masked(secret: str) -> str:
    return f"stored (…{secret[-4:]})" if len(secret) >= 12 else ("stored" if secret else "not set")


class CarrierConfigForm(forms.ModelForm):
    """Secrets are write-only: the form never renders them; leaving a field empty keeps
    the stored value, the 'clear' box removes it (the environment's then applies)."""

    api_url = forms.URLField(
        label="API URL", required=False, assume_scheme="https",
        help_text=CarrierConfig._meta.get_field("api_url").help_text,
    )  # fmt: skip
    api_token = forms.CharField(
        label="API token", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )  # fmt: skip
    signing_key = forms.CharField(
        required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )  # fmt: skip
    clear_api_token = forms.BooleanField(required=False, label="Clear the stored API token")
    clear_signing_key = forms.BooleanField(required=False, label="Clear the stored signing key")

    class Meta:
        model = CarrierConfig
        fields = [
            "account", "faxbox", "transport", "enabled", "api_url", "project_id", "api_token",
            "signing_key", "public_key", "connection_id", "from_number",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("api_token", "signing_key"):
            stored = "" if self.instance._state.adding else getattr(self.instance, name, "")
            model_field = CarrierConfig._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            help_text = model_field.help_text
            self.fields[name].help_text = f"{_masked(stored)}. {help_text} Empty keeps it."

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for name in ("api_token", "signing_key"):
            if data.get(f"clear_{name}"):
                data[name] = ""
            elif not data.get(name) and not self.instance._state.adding:
                data[name] = getattr(CarrierConfig.objects.get(pk=self.instance.pk), name)
        return data

    def _post_clean(self):
        for name in ("api_token", "signing_key"):
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()  # type: ignore[misc]  # ModelForm's hook, not in the stubs


@admin.register(CarrierConfig)
class CarrierConfigAdmin(admin.ModelAdmin):
    form = CarrierConfigForm
    list_display = ["__str__", "transport", "account", "faxbox", "enabled", "id", "updated_at"]
    list_filter = ["transport", "enabled", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["id", "account__name", "faxbox__name", "project_id", "connection_id"]
    list_select_related = ["account", "faxbox"]
    raw_id_fields = ["account", "faxbox"]
    readonly_fields = ["id", "setup", "numbers", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["id", "account", "faxbox", "transport", "enabled"]}),
        ("Carrier account", {"fields": [
            "api_url", "project_id", "api_token", "clear_api_token", "signing_key",
            "clear_signing_key", "public_key", "connection_id", "from_number",
        ]}),
        ("Set-up at the carrier", {"fields": ["setup", "numbers"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]  # fmt: skip

    @admin.display(description="what to enter in the carrier's console")
    def setup(self, obj: CarrierConfig) -> str:
        from faxes.carriers.common import from_config

        if obj._state.adding:
            return "Save first: the webhook URLs contain this configuration's id."
        found = from_config(obj)
        missing = found.missing()
        state = f"Missing: {', '.join(missing)}." if missing else "Complete."
        base = urlsplit(settings.FAXPORTAL_BASE_URL)
        if base.scheme != "https" or base.hostname in ("localhost", "127.0.0.1", "::1"):
            state += (f" FAXPORTAL_BASE_URL is {settings.FAXPORTAL_BASE_URL}: the carrier "
                      "must reach the portal there over HTTPS.")  # fmt: skip
        if obj.transport == "signalwire":
            rows = [("Each fax number → 'Handle faxes using' LaML webhooks, POST",
                     found.webhook_url("incoming"))]  # fmt: skip
        elif obj.transport == "telnyx":
            rows = [("Fax application → webhook URL (API v2)", found.webhook_url("events"))]
        else:
            rows = []
        urls = format_html_join("", "<li>{}: <code>{}</code></li>", rows)
        return format_html("{} <ul>{}</ul>", state, urls)

    @admin.display(description="numbers it receives for")
    def numbers(self, obj: CarrierConfig) -> str:
        from faxes.models import FaxNumber

        if obj._state.adding:
            return "-"
        if obj.faxbox_id:
            served = FaxNumber.objects.filter(faxbox_id=obj.faxbox_id)
        else:
            served = FaxNumber.objects.filter(account__tree_path__startswith=obj.account.tree_path)
        found = list(served.values_list("number", flat=True)[:50])
        return ", ".join(found) or "none yet: add the carrier's numbers to faxboxes"


# --- Staff UI: address book and read marks ------------------------------------------------

from faxes.models import Contact, FaxRead, FormSubmission, SenderPreference  # noqa: E402


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "fax_number", "organization", "account", "updated_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "fax_number", "organization", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(FaxRead)
class FaxReadAdmin(admin.ModelAdmin):
    list_display = ["fax", "user", "account", "read_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["fax__id", "user__username", "account__name"]
    list_select_related = ["fax", "user", "account"]
    raw_id_fields = ["fax", "user", "account"]
    date_hierarchy = "read_at"
    show_full_result_count = False


@admin.register(SenderPreference)
class SenderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "default_faxbox", "last_faxbox", "updated_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "account__name"]
    list_select_related = ["user", "account", "default_faxbox", "last_faxbox"]
    raw_id_fields = ["user", "account", "default_faxbox", "last_faxbox"]


@admin.register(FormSubmission)
class FormSubmissionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "account", "result_url"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "account__name", "key"]
    list_select_related = ["user", "account"]
    raw_id_fields = ["user", "account"]
    readonly_fields = ["account", "user", "key", "result_url", "created_at"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False


# --- Native API: webhooks and per-token download marks (faxes/webhooks, faxes/api/v1) -------

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402

from faxes.models import DownloadMark, WebhookDelivery, WebhookEndpoint  # noqa: E402
from faxes.services import webhooks as webhook_services  # noqa: E402
from faxes.webhooks import events as webhook_events  # noqa: E402
from faxes.webhooks.signing import generate_secret  # noqa: E402


class WebhookEndpointForm(forms.ModelForm):
    """The signing secret never appears in a form: it is generated on creation (and by the
    rotate action) and shown once in a message."""

    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {text}") for name, text in webhook_events.ALL_EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=webhook_events.DEFAULT_EVENTS,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["account", "url", "events", "description", "enabled"]

    def clean_url(self) -> str:
        try:  # the same SSRF rules as document URLs
            return webhook_services.check_endpoint_url(self.cleaned_data.get("url"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["url"]) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "account", "enabled", "events", "created_at"]
    list_filter = ["enabled", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["id", "url", "description", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    readonly_fields = ["id", "previous_secret_expires_at", "created_at", "updated_at"]
    actions = ["rotate_secret", "rotate_secret_now"]

    def save_model(self, request, obj, form, change):
        new_secret = None if obj.secret else generate_secret()
        if new_secret:
            obj.secret = new_secret
        super().save_model(request, obj, form, change)
        if new_secret:
            self.message_user(
                request, f"Signing secret of {obj.url} (shown once): {new_secret}", messages.WARNING
            )

    @admin.action(description="Rotate the signing secret (old one valid for the grace period)")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = webhook_services.rotate_secret(endpoint)
            self.message_user(
                request, f"New signing secret of {endpoint.url}: {secret}", messages.WARNING
            )

    @admin.action(description="Rotate the signing secret, old one invalid at once (leaked)")
    def rotate_secret_now(self, request, queryset):
        for endpoint in queryset:
            secret = webhook_services.rotate_secret(endpoint, grace=0)
            self.message_user(
                request, f"New signing secret of {endpoint.url}: {secret}", messages.WARNING
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "event", "endpoint", "account", "status", "attempts",
        "last_status_code", "next_attempt_at",
    ]  # fmt: skip
    list_filter = ["status", "event", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["id", "fax__id", "endpoint__url", "account__name", "last_error"]
    list_select_related = ["endpoint", "account"]
    raw_id_fields = ["endpoint", "account", "fax"]
    readonly_fields = [
        "id", "endpoint", "account", "event", "fax", "payload", "status", "attempts",
        "next_attempt_at", "last_status_code", "last_response", "last_error", "created_at",
        "delivered_at",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["redeliver"]

    def has_add_permission(self, request) -> bool:
        return False  # deliveries come from events

    @admin.action(description="Send again (as new deliveries)")
    def redeliver(self, request, queryset):
        for delivery in queryset:
            webhook_services.redeliver(delivery)
        self.message_user(request, f"{queryset.count()} deliveries queued again.")


@admin.register(DownloadMark)
class DownloadMarkAdmin(admin.ModelAdmin):
    list_display = ["fax", "token", "account", "downloaded_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["fax__id", "token__name", "token__prefix", "account__name"]
    list_select_related = ["fax", "token", "account"]
    raw_id_fields = ["fax", "token", "account"]
    date_hierarchy = "downloaded_at"
    show_full_result_count = False


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    """A receipt is a record: readable here, never changed or added by hand."""

    list_display = ["created_at", "fax", "account", "document_sha256"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["id", "fax__id", "document_sha256", "account__name"]
    list_select_related = ["fax", "account"]
    fields = readonly_fields = (
        "id", "fax", "account", "file", "document_sha256", "figures", "created_at",
    )  # fmt: skip
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SmtpLog)
class SmtpLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "account", "faxbox", "status", "from_address", "to_address", "subject",
    ]  # fmt: skip
    list_filter = ["status", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "from_address", "header_from", "to_address", "original_number", "message_id",
        "subject", "account__name",
    ]  # fmt: skip
    list_select_related = ["account", "faxbox", "fax"]
    raw_id_fields = ["account", "faxbox", "fax"]
    date_hierarchy = "created_at"


@admin.register(SmtpCredential)
class SmtpCredentialAdmin(admin.ModelAdmin):
    """SMTP AUTH logins of copiers; made by the faxbox action (the password is shown once)."""

    list_display = ["username", "faxbox", "account", "revoked", "created_at", "last_used_at"]
    list_filter = ["revoked", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["username", "faxbox__name", "account__name"]
    list_select_related = ["faxbox", "account"]
    fields = ["username", "faxbox", "account", "revoked", "created_at", "last_used_at"]
    readonly_fields = ["username", "faxbox", "account", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(FaxEvent)
class FaxEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "fax", "account", "from_status", "to_status", "reason"]
    list_filter = ["to_status", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["fax__id", "reason"]
    list_select_related = ["fax", "account"]
    raw_id_fields = ["fax", "account"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(DocumentPart)
class DocumentPartAdmin(admin.ModelAdmin):
    list_display = ["document", "position", "account", "filename", "url", "size", "fetched_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["document__id", "filename", "url", "sha256"]
    list_select_related = ["document", "account"]
    raw_id_fields = ["document", "account"]
