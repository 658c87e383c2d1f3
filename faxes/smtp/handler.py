"""The aiosmtpd handler: each SMTP step asks ``faxes.services.mail_in`` and answers.

The services use the Django ORM, which is synchronous: each call runs in the gateway's
thread pool, so one slow message never holds up the other connections.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from django.conf import settings
from django.db import close_old_connections

from faxes.services import mail_in

log = logging.getLogger(__name__)
T = TypeVar("T")


def _in_thread(function: Callable[..., T], *args: Any) -> T:
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


class FaxMailHandler:
    """Counts the messages being accepted, so a shutdown can wait for them."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self.executor = executor
        self.in_flight = 0
        self._idle: asyncio.Event | None = None

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _in_thread, function, *args)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        if len(envelope.rcpt_tos) >= settings.FAXPORTAL_MAX_RECIPIENTS:
            return f"452 4.5.3 Too many recipients (at most {settings.FAXPORTAL_MAX_RECIPIENTS})"
        try:
            await self._run(
                mail_in.check_recipient, address, envelope.mail_from or "", session.auth_data
            )
        except mail_in.MailRefused as refusal:
            return refusal.reply
        except Exception:
            log.exception("RCPT %s failed", address)
            return "451 4.3.0 Temporary failure; try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        incoming = mail_in.Incoming(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            credential_id=session.auth_data,
            peer=str(session.peer[0]) if session.peer else "",
        )
        self.in_flight += 1
        try:
            return await self._run(mail_in.accept_message, incoming)
        except mail_in.MailRefused as refusal:
            return refusal.reply
        except Exception:
            log.exception("DATA from %s failed", incoming.mail_from)
            return "451 4.3.0 Temporary failure; nothing was stored, try again later"
        finally:
            self.in_flight -= 1

    def authenticator(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data
    ) -> AuthResult:
        """PLAIN/LOGIN (aiosmtpd offers them only after STARTTLS): the credential's id
        becomes ``session.auth_data``."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        # aiosmtpd calls this synchronously inside the event loop; the ORM runs in the pool.
        credential_id = self.executor.submit(
            _in_thread, mail_in.authenticate, username, password
        ).result()
        if credential_id is None:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=credential_id)
