"""How SignalWire signs its requests (compatibility API, Twilio's scheme).

``X-SignalWire-Signature`` (also sent as ``X-Twilio-Signature``) = base64(HMAC-SHA1(signing
key, full URL + each POST parameter's name and value, sorted by name)); JSON bodies:
hex(HMAC-SHA1(key, URL + raw body)). Validators try the URL with and without the default
port. A bad signature raises ``CallbackRejected(403)``; comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from faxes.carriers.common import CallbackRejected, public_url

if TYPE_CHECKING:
    from django.http import HttpRequest


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
    urls = [public_url(quote(request.get_full_path(), safe="/:?&=%+@;,~!$'()*-._"))]
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
