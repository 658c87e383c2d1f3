from django.contrib import admin

from faxes.models import (
    Attempt,
    AuditEvent,
    DocumentPart,
    Fax,
    Faxbox,
    FaxDocument,
    FaxEvent,
    FaxNumber,
    InboundRefusal,
)


class FaxNumberInline(admin.TabularInline):
    model = FaxNumber
    extra = 0
    fields = ["number", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Faxbox)
class FaxboxAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "caller_id", "fax_timezone", "retries", "deleted_at"]
    list_filter = [
        ("deleted_at", admin.EmptyFieldListFilter),
        "fax_timezone",
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "id", "caller_id", "numbers__number", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "owner"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [FaxNumberInline]

    def save_formset(self, request, form, formset, change):
        # Numbers always belong to the faxbox's own account.
        for number in formset.save(commit=False):
            number.account_id = form.instance.account_id
            number.save()
        for number in formset.deleted_objects:
            number.delete()


@admin.register(FaxNumber)
class FaxNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "faxbox", "account", "created_at"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "faxbox__name", "account__name"]
    list_select_related = ["faxbox", "account"]
    raw_id_fields = ["faxbox", "account"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = [
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
        "bad_rows",
        "receiver_id",
        "time_elapsed",
    ]
    readonly_fields = fields


class FaxEventInline(admin.TabularInline):
    model = FaxEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "reason"]
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
        ("attachment_purged_at", admin.EmptyFieldListFilter),
        ("deleted_at", admin.EmptyFieldListFilter),
        "created_at",
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["id", "from_number", "to_number", "remote_station_id", "carrier_fax_id"]
    list_select_related = ["account", "faxbox"]
    raw_id_fields = ["account", "faxbox", "owner"]
    readonly_fields = ["id", "claim_token", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [AttemptInline, FaxEventInline]
    show_full_result_count = False  # COUNT(*) over millions of faxes is slow


class DocumentPartInline(admin.TabularInline):
    model = DocumentPart
    extra = 0
    can_delete = False
    fields = ["position", "filename", "url", "content_type", "size", "sha256", "fetched_at"]
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
