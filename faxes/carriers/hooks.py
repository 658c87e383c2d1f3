"""What every carrier endpoint does the same way: answer rejections, skip duplicates."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from faxes.carriers.common import CallbackRejected

log = logging.getLogger(__name__)

# Long enough to cover every redelivery a carrier makes of one event.
DEDUPE_SECONDS = 2 * 24 * 3600


def rejected(request: HttpRequest, transport: str, exc: CallbackRejected) -> HttpResponse:
    """A 4xx naming the reason (no secrets in it), logged with the caller's address."""
    log.warning(
        "%s callback %s from %s refused (%s): %s",
        transport,
        request.path[:80],
        request.META.get("REMOTE_ADDR"),
        exc.status,
        exc.reason,
    )
    return HttpResponse(exc.reason, status=exc.status, content_type="text/plain")


@contextmanager
def first_delivery(transport: str, event_id: str) -> Iterator[bool]:
    """Yield False when this event was already handled (a carrier redelivery or a replay
    inside the tolerance window); the handling itself is idempotent as well, this only
    spares the work. A failure while handling forgets the event so a redelivery retries."""
    if not event_id:
        yield True
        return
    key = f"carrier-event:{transport}:{event_id}"
    if not cache.add(key, 1, DEDUPE_SECONDS):
        yield False
        return
    try:
        yield True
    except BaseException:
        cache.delete(key)
        raise


def guarded(
    transport: str, handler: Callable[[], HttpResponse], request: HttpRequest
) -> HttpResponse:
    try:
        return handler()
    except CallbackRejected as exc:
        return rejected(request, transport, exc)
