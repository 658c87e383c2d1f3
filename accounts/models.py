from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts import scopes as scope_names
from accounts.ids import new_id
from accounts.tenancy import TenantManager


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class Account(models.Model):
    """A tenant. ``parent`` makes a reseller hierarchy; ``tree_path`` is the
    materialized path of ids from the root, so a subtree is one prefix query."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    name = models.CharField(max_length=128)
    realm = models.CharField(max_length=253, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    enabled = models.BooleanField(default=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    tree_path = models.CharField(max_length=660, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="account_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.tree_path:
            prefix = self.parent.tree_path if self.parent_id else ""
            self.tree_path = f"{prefix}{self.pk}/"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self._state.adding or not self.tree_path:
            return
        stored = Account.objects.filter(pk=self.pk).values_list("parent_id", flat=True).first()
        if stored != self.parent_id:
            # Moving an account would silently change who may see its faxes.
            raise ValidationError({"parent": "An account's parent cannot be changed."})

    def is_ancestor_of(self, other: Account) -> bool:
        """True when ``other`` is this account or one of its descendants."""
        return other.tree_path.startswith(self.tree_path)

    def subtree(self) -> models.QuerySet[Account]:
        return Account.objects.filter(tree_path__startswith=self.tree_path)

    def descendants(self) -> models.QuerySet[Account]:
        return self.subtree().exclude(pk=self.pk)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"
    VIEWER = "viewer", "Viewer"


class User(AbstractUser):
    """A person who logs in. Tenant users belong to exactly one account;
    only platform superusers (who run Django admin) may have none."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(is_superuser=True),
                name="user_has_account_unless_superuser",
            ),
        ]

    @property
    def scopes(self) -> frozenset[str]:
        return scope_names.ROLE_SCOPES.get(self.role, frozenset())

    def has_scope(self, scope: str) -> bool:
        return scope_names.grants(self.scopes, scope)

    @property
    def is_account_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiToken(models.Model):
    """An account's API credential. Only a prefix and a keyed digest of the
    secret are stored; the secret itself is shown once at creation."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        try:
            self.scopes = scope_names.parse_scopes(self.scopes)
        except ValueError as exc:
            raise ValidationError({"scopes": str(exc)}) from None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired() and self.account.enabled

    def has_scope(self, scope: str) -> bool:
        return scope_names.grants(self.scopes, scope)
