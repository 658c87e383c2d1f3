"""The gateway process: an aiosmtpd server on an asyncio loop, stopped gracefully.

``Gateway.serve()`` runs until ``stop()`` (a signal in ``manage.py smtpgateway``, the
test fixture otherwise). Stopping closes the listening socket first, then waits for
every message being accepted (stored, then 250), then drops idle connections: a
message is either stored and acknowledged or not acknowledged at all, so the sending
server retries it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.smtp import SMTP
from django.conf import settings

from faxes.smtp.handler import FaxMailHandler

log = logging.getLogger(__name__)
# How long a stop waits for the messages being accepted.
DRAIN_SECONDS = 60.0


def tls_context(cert: str, key: str) -> ssl.SSLContext | None:
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key or None)
    return context


class Gateway:
    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        cert: str | None = None,
        key: str | None = None,
        auth: bool | None = None,
        max_size: int | None = None,
        threads: int = 8,
    ) -> None:
        self.host = settings.FAXPORTAL_SMTP_HOST if host is None else host
        self.port = settings.FAXPORTAL_SMTP_PORT if port is None else port
        self.tls = tls_context(
            settings.FAXPORTAL_SMTP_TLS_CERT if cert is None else cert,
            settings.FAXPORTAL_SMTP_TLS_KEY if key is None else key,
        )
        self.auth = settings.FAXPORTAL_SMTP_AUTH if auth is None else auth
        self.max_size = settings.FAXPORTAL_SMTP_MAX_MESSAGE_SIZE if max_size is None else max_size
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="smtp")
        self.handler = FaxMailHandler(self.executor)
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def _protocol(self) -> SMTP:
        smtp = SMTP(
            self.handler,
            data_size_limit=self.max_size,
            hostname=settings.FAXPORTAL_SMTP_HOSTNAME or None,
            ident="faxportal ESMTP",
            tls_context=self.tls,
            authenticator=self.handler.authenticator if self.auth else None,
            auth_require_tls=True,
            auth_exclude_mechanism=None if self.auth else ["LOGIN", "PLAIN"],
            enable_SMTPUTF8=True,
            decode_data=False,
            timeout=120,
        )
        self._sessions.add(smtp)
        return smtp

    def serve(self) -> None:
        """Listen until ``stop()``; returns when the messages in flight are stored."""
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()
            self.executor.shutdown(wait=True)

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.get_running_loop().create_server(
            self._protocol, self.host, self.port
        )
        self.port = server.sockets[0].getsockname()[1]
        log.info("SMTP gateway listening on %s:%s", self.host, self.port)
        self.ready.set()
        await self._stopping.wait()
        server.close()  # no new connections
        waited = 0.0
        while self.handler.in_flight and waited < DRAIN_SECONDS:
            await asyncio.sleep(0.05)
            waited += 0.05
        await asyncio.sleep(0.05)  # let the last 250 replies be written
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await server.wait_closed()
        log.info("SMTP gateway stopped")

    def stop(self) -> None:
        """Stop gracefully; safe from any thread and from a signal handler."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
