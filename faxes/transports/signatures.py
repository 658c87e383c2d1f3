"""Verifying that a carrier signed a request, exactly as each carrier signs.

SignalWire (compatibility API, Twilio's scheme): ``X-SignalWire-Signature`` (also sent as
``X-Twilio-Signature``) = base64(HMAC-SHA1(signing key, full URL + each POST parameter's name
and value, sorted by name)); JSON bodies: hex(HMAC-SHA1(key, URL + raw body)). Validators try
the URL with and without the default port.

Telnyx: ``telnyx-signature-ed25519`` = base64 Ed25519 signature of
``"{telnyx-timestamp}|{raw body}"``, checked with the account's public key; a timestamp too
far from now is a replay.

Both raise ``CallbackRejected(403)``; comparisons are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from faxes.transports import carriers
from faxes.transports.carriers import CallbackRejected

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger(__name__)


# --- SignalWire ---------------------------------------------------------------------------------


def _port_variants(url: str) -> list[str]:
    """Twilio-style validators try the URL with and without the default port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = 443 if parts.scheme == "https" else 80
    if parts.port is None:
        netloc = f"{host}:{default}"
    elif parts.port == default:
        netloc = host
    else:
        return [url]
    return [url, urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))]


def form_signature(key: str, url: str, params: list[tuple[str, str]]) -> str:
    """base64 HMAC-SHA1 over the URL and the sorted parameters (names, then values)."""
    payload = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(
        hmac.new(key.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


def json_signature(key: str, url: str, body: bytes) -> str:
    return hmac.new(key.encode(), url.encode() + body, hashlib.sha1).hexdigest()


def _candidate_urls(request: HttpRequest) -> list[str]:
    # The URL SignalWire called is the public one we gave it (a proxy in front of the
    # portal changes scheme and host), so FAXPORTAL_BASE_URL comes first.
    urls = [carriers.public_url(quote(request.get_full_path(), safe="/:?&=%+@;,~!$'()*-._"))]
    urls.append(request.build_absolute_uri())
    return [variant for url in dict.fromkeys(urls) for variant in _port_variants(url)]


def verify_signalwire(request: HttpRequest, signing_key: str) -> None:
    """Raise CallbackRejected(403) unless the request carries SignalWire's signature."""
    header = (
        request.headers.get("X-SignalWire-Signature")
        or request.headers.get("X-Twilio-Signature")
        or ""
    ).strip()
    if not header:
        raise CallbackRejected(403, "unsigned request")
    is_json = request.content_type == "application/json"
    params = (
        []
        if is_json or request.method != "POST"
        else [(name, value) for name, values in request.POST.lists() for value in values]
    )
    for url in _candidate_urls(request):
        if is_json:
            expected = json_signature(signing_key, url, request.body)
        else:
            expected = form_signature(signing_key, url, params)
        if hmac.compare_digest(expected.encode(), header.encode()):
            return
    raise CallbackRejected(403, "bad signature")


# --- Telnyx -------------------------------------------------------------------------------------


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
