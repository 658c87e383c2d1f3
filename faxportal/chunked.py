"""Request bodies sent with ``Transfer-Encoding: chunked`` (how Node and Go clients stream
uploads), read under the same size limit as any other body.

A WSGI server that decodes chunked bodies (gunicorn; the portal's dev server, see
``faxportal.devserver``) hands them over with no ``CONTENT_LENGTH`` and
``wsgi.input_terminated`` set. Django reads ``CONTENT_LENGTH`` bytes, so it would see an
empty body: this wrapper reads the body first (at most ``DATA_UPLOAD_MAX_MEMORY_SIZE``
bytes), gives Django its length, and answers 413 past the limit in the error shape of the
surface asked.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse

from faxportal.middleware import surface_error

log = logging.getLogger(__name__)
READ_SIZE = 64 * 1024


def is_chunked(environ: dict) -> bool:
    encoding = environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not environ.get("CONTENT_LENGTH")


class ChunkedBodies:
    """WSGI middleware around the Django application (``faxportal/wsgi.py``)."""

    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response):
        if is_chunked(environ) and environ.get("wsgi.input_terminated"):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            stream = environ["wsgi.input"]
            try:
                body = _read(stream, limit + 1)
                if len(body) > limit:
                    # Read on (up to the limit again, discarding) so that a client still
                    # sending gets the answer rather than a reset connection.
                    _discard(stream, limit)
                    return _answer(environ, start_response, 413, limit)
            except Exception:  # the server's parser errors vary (bad chunk sizes, EOF)
                log.info("malformed chunked request body", exc_info=True)
                return _answer(environ, start_response, 400, limit)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)


def _read(stream, most: int) -> bytes:
    parts, size = [], 0
    while size < most:
        part = stream.read(min(READ_SIZE, most - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def _discard(stream, most: int) -> None:
    while most > 0:
        part = stream.read(min(READ_SIZE, most))
        if not part:
            return
        most -= len(part)


def _answer(environ: dict, start_response, status: int, limit: int):
    quiet = {**environ, "wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0"}
    request = WSGIRequest(quiet)
    if status == 413:
        response = surface_error(
            request, 413, "payload_too_large", f"The request is larger than {limit} bytes."
        )
    else:
        response = surface_error(
            request, 400, "bad_request", "The chunked request body is malformed."
        )
    return _send(response, start_response)


def _send(response: HttpResponse, start_response):
    headers = list(response.items())
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]
