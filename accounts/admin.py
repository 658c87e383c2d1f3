from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts import scopes as scope_names
from accounts.models import Account, ApiToken, AuthSession, KazooCredential, User
from accounts.tokens import generate_secret, lookup_prefix, token_digest


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "id",
        "realm",
        "parent",
        "timezone",
        "retention_days",
        "enabled",
        "created_at",
    ]
    list_filter = ["enabled", "timezone", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "id", "realm"]
    readonly_fields = ["id", "tree_path", "created_at", "updated_at"]
    raw_id_fields = ["parent"]
    actions = ["new_kazoo_api_key"]

    @admin.action(description="Generate a new Kazoo API key (shown once)")
    def new_kazoo_api_key(self, request: HttpRequest, queryset) -> None:
        from accounts.kazoo_auth import regenerate_api_key

        for account in queryset:
            key = regenerate_api_key(account)
            messages.warning(request, f"New API key of {account.name} (copy it now): {key}")

    def get_readonly_fields(self, request, obj=None):
        # A parent is chosen once: moving an account would change who sees its faxes.
        extra = ["parent"] if obj is not None else []
        return [*self.readonly_fields, *extra]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "account", "role", "is_active", "last_login"]
    list_filter = [
        "role",
        "is_active",
        "is_superuser",
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["username", "email", "first_name", "last_name", "account__name", "id"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Tenancy", {"fields": ("account", "role", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Tenancy", {"fields": ("email", "account", "role")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account",
        "prefix",
        "scope_list",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_at",
    ]
    list_filter = [
        ("revoked_at", admin.EmptyFieldListFilter),
        ("expires_at", admin.EmptyFieldListFilter),
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "prefix", "account__name", "account__id"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "created_by"]
    # The digest is never shown; the secret exists only in the creation message.
    fields = ["account", "name", "scopes", "expires_at", "revoked_at", "created_by"]
    readonly_fields = ["prefix", "last_used_at", "created_at"]
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["scopes"].help_text = 'A JSON list, e.g. ["fax:read", "fax:send"]. ' + (
            "Valid: " + ", ".join(scope_names.ALL_SCOPES)
        )
        return form

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if not change:
            secret = generate_secret()
            obj.prefix = lookup_prefix(secret)
            obj.digest = token_digest(secret)
            obj.created_by = obj.created_by or request.user  # type: ignore[assignment]
            super().save_model(request, obj, form, change)
            messages.warning(request, f"Copy the token now, it will not be shown again: {secret}")
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset) -> None:
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")


@admin.register(AuthSession)
class AuthSessionAdmin(admin.ModelAdmin):
    """Kazoo /v2 login sessions; the token itself is never stored, only its digest."""

    list_display = ["id", "account", "user", "method", "created_at", "expires_at", "revoked_at"]
    list_filter = ["method", ("revoked_at", admin.EmptyFieldListFilter),
                   ("account", admin.RelatedOnlyFieldListFilter)]  # fmt: skip
    search_fields = ["id", "account__name", "user__username"]
    list_select_related = ["account", "user"]
    fields = ["account", "user", "method", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["account", "user", "method", "created_at", "expires_at"]
    actions = ["revoke"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sessions come from /v2/user_auth and /v2/api_auth only

    @admin.action(description="Revoke selected sessions")
    def revoke(self, request: HttpRequest, queryset) -> None:
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} session(s).")


@admin.register(KazooCredential)
class KazooCredentialAdmin(admin.ModelAdmin):
    """Which users can log in through /v2/user_auth (digests are not shown)."""

    list_display = ["user", "account"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "account__name"]
    list_select_related = ["user", "account"]
    fields = ["user", "account"]
    readonly_fields = ["user", "account"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written when a password is set
