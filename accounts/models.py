from __future__ import annotations

import hashlib
import hmac
import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts import scopes as scope_names
from accounts.ids import new_id
from accounts.tenancy import TenantManager

# Longest file retention an account or faxbox may set (about 100 years).
MAX_RETENTION_DAYS = 36500


def keyed_digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the portal's token key, separated by purpose."""
    key = settings.FAXPORTAL_TOKEN_HASH_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def kazoo_credential_digests(username: str, password: str) -> list[str]:
    """Digests of every ``credentials`` value a Kazoo client may send for this login."""
    digests: list[str] = []
    for name in dict.fromkeys([username, username.lower()]):
        pair = f"{name}:{password}".encode()
        for hashed in (hashlib.md5(pair).hexdigest(), hashlib.sha1(pair).hexdigest()):  # noqa: S324 - Kazoo's protocol
            digest = keyed_digest("kazoo-credentials", hashed)
            if digest not in digests:
                digests.append(digest)
    return digests


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
    # E-mails to the account's addresses, and cover pages and receipts of faxes no user
    # chose a language for, are written in this one (blank: the portal's default).
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    enabled = models.BooleanField(default=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    tree_path = models.CharField(max_length=660, editable=False, db_index=True)
    # Keyed digest of the account's 64-character Kazoo API key (PUT /v2/api_auth);
    # the key itself is shown once when it is (re)generated.
    api_key_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # Users of this account must log in with a second factor (TOTP or a recovery code);
    # those without one are sent to set it up right after their password.
    require_two_factor = models.BooleanField("require two-factor login", default=False)
    # Days after which the files of finished faxes are purged (metadata kept); empty =
    # FAXPORTAL_RETENTION_DAYS, 0 = keep. A faxbox's own setting wins over this one.
    retention_days = models.PositiveIntegerField(
        "file retention (days)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Empty: the portal's setting. 0: keep the files.",
    )
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
            prefix = self.parent.tree_path if self.parent is not None else ""
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


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    VIEWER = "viewer", _("Viewer")


class User(AbstractUser):
    """A person who logs in. Tenant users belong to exactly one account;
    only platform superusers (who run Django admin) may have none."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    # A confirmed TOTP device exists (kept by accounts/two_factor.py), so every login
    # needs a code. Part of the session hash: turning it on or off ends other sessions.
    two_factor_enabled = models.BooleanField(default=False, editable=False)
    # The language of the user's pages and e-mails; blank follows the browser.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]
    _pending_kazoo_digests: list[str] | None

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(is_superuser=True),
                name="user_has_account_unless_superuser",
            ),
        ]

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        # Kazoo's user_auth sends md5/sha1 of "user:pass", which an Argon2 hash
        # cannot check: keep keyed digests of those (written on save).
        self._pending_kazoo_digests = (
            kazoo_credential_digests(self.get_username(), raw_password) if raw_password else []
        )

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        digests = getattr(self, "_pending_kazoo_digests", None)
        if digests is not None and self.account_id:
            KazooCredential.objects.filter(user=self).delete()
            KazooCredential.objects.bulk_create(
                KazooCredential(user=self, account_id=self.account_id, digest=d) for d in digests
            )
            self._pending_kazoo_digests = None

    def _get_session_auth_hash(self, secret=None) -> str:  # type: ignore[misc]
        # Sessions that predate turning two-factor login on (or off) stop working, so
        # a session opened with the password alone cannot outlive the change.
        if not self.two_factor_enabled:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "accounts.User.two_factor_session", self.password, secret=secret, algorithm="sha256"
        ).hexdigest()

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


class KazooCredential(models.Model):
    """Keyed digests of ``md5("user:pass")`` and ``sha1("user:pass")`` for Kazoo's
    ``user_auth``, for the username as stored and lower-cased (clients hash
    either way). Written whenever the password is set; never the password."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="kazoo_credentials")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, db_index=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="kazoo_credential_unique"),
        ]

    def __str__(self) -> str:
        return f"Kazoo credential of {self.user_id}"


class AuthSession(models.Model):
    """A session token issued by ``/v2/user_auth`` or ``/v2/api_auth`` (stored as a
    keyed digest; the token is returned once, in the login response)."""

    METHODS = [("user_auth", "user_auth"), ("api_auth", "api_auth")]

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="auth_sessions")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    method = models.CharField(max_length=16, choices=METHODS)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.method} session of {self.account_id}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.account.enabled
