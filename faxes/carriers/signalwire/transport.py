"""SignalWire, through its compatibility ("LaML"/cXML) fax API — Twilio's Fax API shape.

Outbound: ``POST {space}/api/laml/2010-04-01/Accounts/{project}/Faxes.json`` (HTTP Basic,
project ID : API token) with ``To``, ``From``, ``MediaUrl`` (our signed link),
``Quality`` and ``StatusCallback`` (a signed per-attempt URL). SignalWire answers with the
fax ``sid`` and reports progress by POSTing ``FaxStatus`` to the callback:
queued → processing → sending → delivered | no-answer | busy | failed | canceled.

Inbound: the number's fax handler URL (``/hooks/signalwire/<key>/incoming``) is answered
with ``<Receive action=…>``; the action callback brings ``MediaUrl``, ``NumPages`` and
``RemoteStationId`` once the fax is in.

Every request SignalWire makes is signed with the project's signing key (HMAC-SHA1,
``X-SignalWire-Signature``); see ``faxes.carriers.signalwire.signature``.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import signing

from faxes.carriers import common as carriers
from faxes.carriers.base import (
    DELIVERED,
    FAILED,
    PROGRESS,
    CarrierCallback,
    CarrierStatus,
    SendOutcome,
    Transport,
    TransportError,
    TxResult,
)
from faxes.carriers.common import CallbackRejected, CarrierSettings
from faxes.carriers.http import Response
from faxes.carriers.signalwire import signature
from faxes.modem.codes import VOXTELESYS_BASE, CompletionCode, error_description_for

if TYPE_CHECKING:
    from django.http import HttpRequest

    from faxes.models import Attempt, Fax

log = logging.getLogger(__name__)

NAME = "signalwire"
_RECEIVE_SALT = "faxportal.signalwire-receive"
_IN_PROGRESS = frozenset({"queued", "processing", "sending", "receiving"})
# T.30 failures a retry at the same resolution cannot fix.
_PERMANENT_T30 = frozenset({CompletionCode.NORESSUPPORT, CompletionCode.NOSIZESUPPORT})


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


# SignalWire reports fax failures as ErrorMessage texts (it publishes no code list): the
# spandsp T.30 completion texts, plus a few of its own. code None = not a T.30 failure.
_T30_BY_TEXT = {
    _words(error_description_for(VOXTELESYS_BASE + n)): VOXTELESYS_BASE + n
    for n in range(1, max(CompletionCode) + 1)
}
_OWN_TEXTS: dict[str, tuple[int | None, bool]] = {  # words → (code, permanent)
    "connection failed": (None, False),  # no receiver answered the call
    "fax transmission not established": (VOXTELESYS_BASE + CompletionCode.T0_EXPIRED, False),
    "received no response to dcs or tcf": (VOXTELESYS_BASE + CompletionCode.TX_PHBDEAD, False),
    "unexpected dcm after eom or mps sequence": (
        VOXTELESYS_BASE + CompletionCode.RX_DCNPHD,
        False,
    ),
    "document generation error": (None, False),
    "document loading error": (None, False),
    "log entry lost": (None, False),
    "long entry lost": (None, False),
}


def _failure(message: str, error_code: str) -> tuple[int | None, str, bool]:
    """(T.30 code, text, permanent) for a ``failed`` fax."""
    words = _words(message)
    if error_code.isdigit() and VOXTELESYS_BASE <= int(error_code) <= VOXTELESYS_BASE + 61:
        code = int(error_code)
    elif words in _T30_BY_TEXT:
        code = _T30_BY_TEXT[words]
    elif words in _OWN_TEXTS:
        own_code, permanent = _OWN_TEXTS[words]
        return own_code, message or "fax failed", permanent
    else:
        # Unknown: worth another try; the retry budget bounds the cost.
        return VOXTELESYS_BASE, message or "fax failed (no reason given by SignalWire)", False
    text = message or error_description_for(code)
    return code, text, (code - VOXTELESYS_BASE) in _PERMANENT_T30


def status_from(params: Mapping[str, Any]) -> CarrierStatus:
    """Our reading of a status callback (form fields) or a fax resource (REST JSON)."""
    sid = str(params.get("FaxSid") or params.get("sid") or "")
    status = str(params.get("FaxStatus") or params.get("status") or "").lower()
    pages = carriers.as_count(params.get("NumPages") or params.get("num_pages"))
    station = str(params.get("RemoteStationId") or params.get("remote_station_id") or "")
    error_code = str(params.get("ErrorCode") or params.get("error_code") or "")
    message = str(params.get("ErrorMessage") or params.get("error_message") or "")
    details = {
        "carrier": NAME,
        "carrier_status": status,
        "carrier_error_code": error_code,
        "carrier_error_message": message,
    }
    if status in ("delivered", "received"):
        result = TxResult(
            success=True,
            result_code=0,
            result_text="OK",
            pages_sent=pages,
            receiver_id=station[:32],
            time_elapsed=carriers.as_seconds(params.get("duration")),
            details=details,
        )
        return CarrierStatus(sid, DELIVERED, status, result)
    if status == "busy":
        failure: tuple[int | None, str, bool] = (17, "busy", False)
    elif status == "no-answer":
        failure = (18, "no answer", False)
    elif status == "canceled":
        result = TxResult(False, None, "cancelled at SignalWire", pages, details=details)
        return CarrierStatus(sid, FAILED, status, result, True, result.result_text, True)
    elif status == "failed":
        failure = _failure(message, error_code)
    else:
        if status not in _IN_PROGRESS:
            log.warning("unknown SignalWire fax status %r for %s", status, sid)
        return CarrierStatus(sid, PROGRESS, status)
    code, text, permanent = failure
    result = TxResult(False, code, text, pages, receiver_id=station[:32], details=details)
    return CarrierStatus(sid, FAILED, status, result, permanent, text)


def receive_token(fax_sid: str, key: str) -> str:
    return signing.dumps({"s": fax_sid, "k": key}, salt=_RECEIVE_SALT)


def read_receive_token(token: str, key: str) -> str:
    data = carriers.load_token(token, _RECEIVE_SALT)
    if not isinstance(data, dict) or data.get("k") != key or not data.get("s"):
        raise CallbackRejected(403, "invalid callback URL")
    return str(data["s"])


# --- the transport -------------------------------------------------------------------------------


def _auth(config: CarrierSettings) -> dict[str, str]:
    pair = f"{config.project_id}:{config.api_token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _faxes_url(config: CarrierSettings, sid: str = "") -> str:
    base = f"{config.api_url}/api/laml/2010-04-01/Accounts/{quote(config.project_id, safe='')}"
    return f"{base}/Faxes/{quote(sid, safe='')}.json" if sid else f"{base}/Faxes.json"


def _refused(response: Response) -> TransportError:
    body = response.json() if isinstance(response.json(), dict) else {}
    return carriers.refusal(
        "SignalWire",
        response,
        code=body.get("code"),
        detail=str(body.get("message") or response.excerpt()),
        credentials="credentials",
        check="the project ID, API token (Fax scope) and Space URL",
    )


class SignalWireTransport(Transport):
    name: ClassVar[str] = NAME
    reports_later: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("api_url", "project_id", "api_token", "signing_key")

    @classmethod
    def environment(cls) -> dict[str, str]:
        return {
            "api_url": settings.FAXPORTAL_SIGNALWIRE_SPACE_URL,
            "project_id": settings.FAXPORTAL_SIGNALWIRE_PROJECT_ID,
            "api_token": settings.FAXPORTAL_SIGNALWIRE_API_TOKEN,
            "signing_key": settings.FAXPORTAL_SIGNALWIRE_SIGNING_KEY,
            "from_number": settings.FAXPORTAL_SIGNALWIRE_FROM_NUMBER,
        }

    def send(self, fax: Fax, attempt: Attempt, tiff_path: Path) -> SendOutcome:
        from faxes.carriers.media.links import media_url

        config, caller = carriers.prepare_send(fax, attempt, "SignalWire project")
        form = {
            "To": fax.to_number,
            "From": caller,
            "MediaUrl": media_url(attempt),
            "Quality": "standard" if fax.resolution == "standard" else "fine",
            "StatusCallback": config.webhook_url(f"status/{carriers.attempt_token(attempt)}"),
        }
        return carriers.create_fax(
            "SignalWire",
            _faxes_url(config),
            headers=_auth(config),
            refused=_refused,
            fax_id_of=lambda body: body.get("sid"),
            form=form,
        )

    def cancel(self, fax: Fax, attempt: Attempt) -> bool:
        """Ask SignalWire to cancel (it can while the fax is queued, not once sending)."""
        if not attempt.carrier_id:
            return False
        config = carriers.settings_for_attempt(fax, attempt)
        if config is None:
            return False
        return carriers.cancel_request(
            "SignalWire",
            _faxes_url(config, attempt.carrier_id),
            headers=_auth(config),
            form={"Status": "canceled"},
        )

    def fetch_status(self, fax: Fax, attempt: Attempt) -> CarrierStatus | None:
        """The fax's status at SignalWire now; None when it cannot be asked right now."""
        config = carriers.settings_for_attempt(fax, attempt)
        if config is None:
            return None
        answer = carriers.status_request(
            "SignalWire",
            _faxes_url(config, attempt.carrier_id),
            attempt.carrier_id,
            headers=_auth(config),
        )
        if not isinstance(answer, Response):
            return answer
        body = answer.json()
        return status_from(body) if isinstance(body, dict) else None

    def media_auth(self, config: CarrierSettings, url: str) -> tuple[dict[str, str], frozenset]:
        """Credentials for downloading a received fax: only to SignalWire's own hosts."""
        host = (urlsplit(url).hostname or "").lower()
        hosts = {(urlsplit(config.api_url).hostname or "").lower()}
        if host.endswith(".signalwire.com"):
            hosts.add(host)
        return _auth(config), frozenset(hosts)

    def parse_callback(self, request: HttpRequest) -> CarrierCallback:
        """Verify and decode a callback routed by ``faxes.carriers.signalwire.urls`` (kwargs
        ``key``, ``kind`` and, for status and receive callbacks, ``token``)."""
        kwargs = request.resolver_match.kwargs if request.resolver_match else {}
        key, kind, token = kwargs.get("key", ""), kwargs.get("kind", ""), kwargs.get("token", "")
        config = carriers.settings_for_key(NAME, key)
        signature.verify_signalwire(request, config.signing_key)
        params = request.POST if request.method == "POST" else request.GET
        sid = str(params.get("FaxSid") or "")
        event_id = request.headers.get("X-SignalWire-Signature") or request.headers.get(
            "X-Twilio-Signature", ""
        )
        if kind == "status":
            status = status_from(params)
            return CarrierCallback(
                carrier_id=sid,
                kind="status",
                config_key=key,
                status=status,
                event_id=event_id,
                attempt_token=token,
            )
        if kind == "incoming":
            offer = carriers.inbound_fax(
                carrier_fax_id=sid,
                to=params.get("To", ""),
                from_=params.get("From", ""),
                media_url="",
                config_key=key,
            )
            return CarrierCallback(carrier_id=sid, kind="offer", config_key=key, inbound=offer)
        if kind == "received":
            if read_receive_token(token, key) != sid:
                raise CallbackRejected(403, "callback URL of another fax")
            fax_status = str(params.get("FaxStatus") or "").lower()
            media = str(params.get("MediaUrl") or "")
            if fax_status != "received" or not media:
                log.warning(
                    "SignalWire inbound fax %s ended %s: %s",
                    sid,
                    fax_status or "?",
                    params.get("ErrorMessage", ""),
                )
                return CarrierCallback(carrier_id=sid, kind="ignored", config_key=key)
            fax = carriers.inbound_fax(
                carrier_fax_id=sid,
                to=params.get("To", ""),
                from_=params.get("From", ""),
                media_url=media,
                pages=params.get("NumPages"),
                remote_station_id=params.get("RemoteStationId", ""),
                config_key=key,
            )
            return CarrierCallback(
                carrier_id=sid, kind="inbound", config_key=key, inbound=fax, event_id=event_id
            )
        raise CallbackRejected(404, "unknown callback")


Carrier = SignalWireTransport  # what the registry names
