"""How Telnyx signs its webhooks.

``telnyx-signature-ed25519`` = base64 Ed25519 signature of ``"{telnyx-timestamp}|{raw
body}"``, checked with the account's public key; a timestamp too far from now is a replay.
A bad signature raises ``CallbackRejected(403)``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from faxes.carriers.common import CallbackRejected

log = logging.getLogger(__name__)


def _public_key(text: str) -> Ed25519PublicKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        log.error("the Telnyx public key is not a valid Ed25519 key: %s", exc)
        raise CallbackRejected(403, "cannot verify signatures: bad public key") from None


def verify_telnyx(
    body: bytes,
    signature: str,
    timestamp: str,
    public_key: str,
    *,
    tolerance: int,
    now: float | None = None,
) -> None:
    """Raise CallbackRejected(403) unless Telnyx signed ``timestamp|body`` recently."""
    if not signature or not timestamp:
        raise CallbackRejected(403, "unsigned request")
    try:
        sent_at = int(timestamp)
        raw_signature = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        raise CallbackRejected(403, "malformed signature") from None
    try:
        _public_key(public_key).verify(raw_signature, timestamp.encode() + b"|" + body)
    except InvalidSignature:
        raise CallbackRejected(403, "bad signature") from None
    if abs((now if now is not None else time.time()) - sent_at) > tolerance:
        raise CallbackRejected(403, "stale timestamp: replayed or delayed request")
