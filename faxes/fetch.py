"""Fetch fax documents given by URL (Kazoo's ``document.url``, the native API's ``media_url``).

The URL comes from an API client and is fetched from inside our network, so besides the usual
limits (size, total time, redirects) every hop is checked against server-side request forgery
by :mod:`faxes.net`: the host is resolved once, *every* address it resolves to must be a public
host, and the connection goes to exactly the address that was checked (no DNS rebinding).

Everything that goes wrong ends as :class:`DocumentFetchError`, whose message is shown to the
sender and whose ``permanent`` flag tells the send engine whether retrying can help.
"""

from __future__ import annotations

import email.message
import logging
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from django.conf import settings

from faxes import net
from faxes.failures import FaxFailure

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
USER_AGENT = "faxportal-document-fetcher/1"

_RETRYABLE_4XX = frozenset({408, 425, 429})  # the server asks us to come back later


@dataclass(frozen=True)
class FetchedDocument:
    data: bytes
    content_type: str | None  # as sent by the server; decide by the bytes, not by this
    final_url: str  # after redirects
    filename: str | None  # from Content-Disposition, else the last segment of the URL path


class DocumentFetchError(FaxFailure):
    """A document could not be fetched; ``message`` is written for the sender.

    ``failure``: ``fetch_refused`` (an HTTP error answer), ``fetch_unavailable`` (the server
    could not be reached or answered 5xx/408/425/429) or ``fetch_not_allowed`` (a URL or an
    answer the portal will not use). ``permanent`` is False when trying again later may
    succeed; it follows the entry unless the situation says otherwise (a name that does not
    exist is "unavailable" in kind but will not come back).
    """

    default_failure: ClassVar[str] = "fetch_not_allowed"
    reads_message: ClassVar[bool] = True

    def __repr__(self) -> str:
        return f"DocumentFetchError({self.message!r}, permanent={self.permanent})"


# What went wrong on the way (faxes.net kinds) that may go right later.
_UNAVAILABLE_KINDS = frozenset(
    {net.RESOLVE, net.CONNECT, net.TIMEOUT, net.TLS, net.PROTOCOL, net.INCOMPLETE}
)


def _fail(reason: str, *, kind: str = "", permanent: bool | None = None) -> DocumentFetchError:
    failure = "fetch_unavailable" if kind in _UNAVAILABLE_KINDS else "fetch_not_allowed"
    return DocumentFetchError(
        f"could not retrieve file: {reason}", failure=failure, permanent=permanent
    )


def _header_ok(value: str) -> bool:
    return bool(value) and value.isascii() and value.isprintable()


def _filename(disposition: str | None, final_url: str) -> str | None:
    name = None
    if disposition:
        message = email.message.Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename()  # handles quoting and RFC 2231 filename*=
    if not name:
        name = unquote(urlsplit(final_url).path.rsplit("/", 1)[-1])
    # Never a path: keep the last component, drop control characters.
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    name = name.strip()
    return name if name and name not in (".", "..") else None


def fetch_document(
    url: str,
    *,
    method: str = "get",
    content: str | bytes | None = None,
    content_type: str | None = None,
    host: str | None = None,
    referer: str | None = None,
) -> FetchedDocument:
    """Download the document at ``url``; raise :class:`DocumentFetchError` on any failure.

    The options mirror Kazoo's fax ``document`` object: ``method`` is get or post,
    ``content`` the POST body (ignored for GET) sent as ``content_type``, ``host`` replaces
    the Host header (for the original server only, not for redirects elsewhere) and
    ``referer`` is sent as Referer.
    """
    verb = method.lower() if isinstance(method, str) else ""
    if verb not in ("get", "post"):
        raise _fail(f"unsupported method {method!r}, use get or post")
    for name, value in (("Host", host), ("Referer", referer), ("Content-Type", content_type)):
        if value is not None and not _header_ok(value):
            raise _fail(f"invalid {name} header")
    body = None
    if verb == "post":
        body = content.encode() if isinstance(content, str) else (content or b"")

    limit = int(getattr(settings, "FAXPORTAL_MAX_DOCUMENT_BYTES", DEFAULT_MAX_BYTES))
    timeout = float(getattr(settings, "FAXPORTAL_FETCH_TIMEOUT", DEFAULT_TIMEOUT))
    allow_loopback = bool(getattr(settings, "FAXPORTAL_FETCH_ALLOW_LOOPBACK", False))
    try:
        first = net.parse(url)
    except net.NetError as exc:
        raise _fail(exc.reason, kind=exc.kind, permanent=exc.permanent) from None

    def headers(target: net.Target) -> dict[str, str]:
        hop = {
            "Host": host if host and target.origin == first.origin else target.host_header,
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "Accept-Encoding": "identity",  # decoded anyway if a server ignores this
        }
        if referer:
            hop["Referer"] = referer
        if target.authorization:
            hop["Authorization"] = target.authorization
        if content_type:
            hop["Content-Type"] = content_type  # dropped when a redirect turns POST into GET
        return hop

    try:
        answer = net.request(
            verb,
            first,
            headers=headers,
            body=body,
            allow_loopback=allow_loopback,
            deadline=net.Deadline(timeout),
            max_bytes=limit,
            wants_body=lambda status: 200 <= status < 300,
            decode=True,
            redirects=MAX_REDIRECTS,
        )
    except net.NetError as exc:
        raise _fail(exc.reason, kind=exc.kind, permanent=exc.permanent) from exc
    except Exception as exc:  # never let a raw exception reach the send engine
        logger.exception("unexpected error fetching a document")
        raise _fail("unexpected error", kind=net.CONNECT, permanent=False) from exc
    if answer.body is None:
        retry = answer.status >= 500 or answer.status in _RETRYABLE_4XX
        raise DocumentFetchError(
            f"could not retrieve file, HTTP response {answer.status}",
            failure="fetch_unavailable" if retry else "fetch_refused",
        )
    return FetchedDocument(
        data=answer.body,
        content_type=(answer.headers.get("Content-Type") or "").strip() or None,
        final_url=answer.url,
        filename=_filename(answer.headers.get("Content-Disposition"), answer.url),
    )
