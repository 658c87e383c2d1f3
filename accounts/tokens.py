"""API token secrets: generation, keyed hashing and constant-time lookup."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import ApiToken

TOKEN_PREFIX = "faxapi_"  # noqa: S105 - a public prefix, not a secret
# Characters of the random part kept in clear to find the row without a scan.
LOOKUP_CHARS = 10
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def generate_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    key = settings.FAXPORTAL_TOKEN_HASH_KEY.encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def lookup_prefix(secret: str) -> str:
    return secret[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + LOOKUP_CHARS]


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and len(value) > len(TOKEN_PREFIX) + LOOKUP_CHARS


def find_token(secret: str) -> ApiToken | None:
    """The token row this secret belongs to, or None. Does not check expiry."""
    if not looks_like_token(secret):
        return None
    digest = token_digest(secret)
    match = None
    candidates = ApiToken.objects.select_related("account").filter(prefix=lookup_prefix(secret))
    for candidate in candidates:
        # Compare every candidate so timing does not depend on which matched.
        if hmac.compare_digest(candidate.digest, digest):
            match = candidate
    return match


def touch_last_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
