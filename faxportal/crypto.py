"""Encryption at rest for secrets the portal must be able to read back
(webhook signing secrets, carrier credentials).

Fernet (AES-128-CBC + HMAC-SHA256) with keys derived from
``FAXPORTAL_ENCRYPTION_KEYS``: the first key encrypts, all of them decrypt,
so keys can be rotated by putting a new one first.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    derived = [
        Fernet(
            base64.urlsafe_b64encode(hashlib.sha256(b"faxportal-at-rest:" + k.encode()).digest())
        )
        for k in keys
    ]
    return MultiFernet(derived)


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FAXPORTAL_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _current().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "cannot decrypt: wrong FAXPORTAL_ENCRYPTION_KEYS or damaged value"
        ) from None


class EncryptedTextField(models.TextField):
    """Stores ``encrypt(value)``; reads back the plaintext. Empty stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
