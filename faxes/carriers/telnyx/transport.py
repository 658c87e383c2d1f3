"""Telnyx, through its programmable fax API (v2).

Outbound: ``POST {api}/v2/faxes`` (``Authorization: Bearer <API key>``) with JSON
``connection_id`` (the fax application), ``media_url`` (our signed link), ``to``, ``from``,
``quality``, ``webhook_url`` and ``client_state`` (our signed attempt token, echoed in every
event); Telnyx answers 202 with ``data.id`` and reports by webhook: ``fax.queued``,
``fax.media.processed``, ``fax.sending.started``, then ``fax.delivered`` or ``fax.failed``
(with ``failure_reason``). Events may come twice or out of order. Cancel is
``POST /v2/faxes/{id}/actions/cancel``; the status can be read with ``GET /v2/faxes/{id}``.

Inbound: the fax application's webhook gets ``fax.received`` with a ``media_url`` (short
lived; ``POST /v2/faxes/{id}/actions/refresh`` renews it).

Webhooks are signed with Ed25519 over ``"{telnyx-timestamp}|{raw body}"`` and checked with
the account's public key, within ``FAXPORTAL_TELNYX_SIGNATURE_TOLERANCE`` seconds of now;
see ``faxes.carriers.telnyx.signature``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from django.conf import settings

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
from faxes.carriers.http import CarrierHTTPError, Response, call
from faxes.carriers.telnyx import signature
from faxes.modem.codes import VOXTELESYS_BASE, CompletionCode

if TYPE_CHECKING:
    from django.http import HttpRequest

    from faxes.models import Attempt, Fax

log = logging.getLogger(__name__)

NAME = "telnyx"
T30 = VOXTELESYS_BASE  # T.30 failures are 5100 + spandsp's completion code

# Every documented failure_reason → (result code, text, permanent). Codes: Q.850 causes for
# call failures (17 busy, 18/19 no answer, 1 unallocated, 28 bad format, …), 5100+n for T.30
# failures, None for carrier-side or document problems with no telephony code.
FAILURES: dict[str, tuple[int | None, str, bool]] = {
    "user_busy": (17, "busy", False),
    "receiver_no_answer": (18, "no answer", False),
    "receiver_no_response": (18, "no response from the destination", False),
    "receiver_call_dropped": (
        T30 + CompletionCode.CALLDROPPED,
        "the call dropped prematurely",
        False,
    ),
    "fax_initial_communication_timeout": (
        T30 + CompletionCode.T0_EXPIRED,
        "timed out waiting for initial communication (no fax machine answered)",
        False,
    ),
    "fax_signaling_error": (
        T30,
        "T.30 signalling error (no response after a page, bad response to DCS or training)",
        False,
    ),
    "invalid_ecm_response_from_receiver": (
        T30 + CompletionCode.TX_ECMPHD,
        "invalid ECM response received from receiver",
        False,
    ),
    "receiver_communication_error": (41, "call failure or routing error", False),
    "receiver_recovery_on_timer_expire": (102, "the destination timed out (SIP 408)", False),
    "receiver_decline": (21, "the destination declined the call", False),
    "destination_unreachable": (3, "destination unreachable", False),
    "service_unavailable": (41, "Telnyx service unavailable", False),
    "connection_channel_limit_exceeded": (
        34,
        "channel limit of the Telnyx connection reached",
        False,
    ),
    "outbound_profile_channel_limit_exceeded": (
        34,
        "channel limit of the Telnyx outbound voice profile reached",
        False,
    ),
    "user_channel_limit_exceeded": (34, "channel limit of the Telnyx account reached", False),
    "outbound_profile_daily_spend_limit_exceeded": (
        None,
        "daily spend limit of the Telnyx outbound voice profile reached",
        False,
    ),
    "file_download_failed": (
        None,
        "Telnyx could not download the document from the portal "
        "(is FAXPORTAL_BASE_URL reachable from the internet?)",
        False,
    ),
    "media_processing_exception": (None, "Telnyx could not process the document", False),
    "receiver_incompatible_destination": (88, "the destination is not a fax machine", True),
    "receiver_invalid_number_format": (28, "invalid number format", True),
    "receiver_unallocated_number": (1, "number not in service", True),
    "destination_invalid": (1, "invalid destination number", True),
    "destination_not_in_countries_whitelist": (
        None,
        "destination country not allowed by the Telnyx outbound voice profile",
        True,
    ),
    "destination_not_in_service_plan": (None, "destination not in the Telnyx service plan", True),
    "unverified_destination_not_allowed": (
        None,
        "unverified destinations are not allowed on this Telnyx account",
        True,
    ),
    "unverified_origination_number": (
        None,
        "the caller ID is not a verified number of the Telnyx account",
        True,
    ),
    "account_disabled": (None, "the Telnyx account is disabled", True),
    "no_outbound_profile": (None, "the Telnyx fax application has no outbound voice profile", True),
    "file_format_invalid": (None, "Telnyx refused the document (not a valid PDF)", True),
    "file_size_limit_exceeded": (None, "document larger than Telnyx's 50 MB limit", True),
    "page_count_limit_exceeded": (None, "more pages than Telnyx's 350-page limit", True),
}
_CANCELLED = frozenset({"canceled", "cancelled", "user_cancelled", "user_canceled"})
_PROGRESS_STATUSES = frozenset(
    {"queued", "media.processed", "originated", "sending", "sending.started", "initiated"}
)


def status_from(fax_id: str, status: str, payload: dict[str, Any]) -> CarrierStatus:
    """Our reading of an outbound fax's status (``status`` as in events or the fax object)."""
    reason = str(payload.get("failure_reason") or "")
    pages = carriers.as_count(payload.get("page_count"))
    details = {"carrier": NAME, "carrier_status": status, "failure_reason": reason}
    if status == "delivered":
        result = TxResult(
            success=True,
            result_code=0,
            result_text="OK",
            pages_sent=pages,
            time_elapsed=carriers.as_seconds(payload.get("call_duration_secs")),
            details=details,
        )
        return CarrierStatus(fax_id, DELIVERED, status, result)
    if status in _CANCELLED or (status == "failed" and reason in _CANCELLED):
        result = TxResult(False, None, "cancelled at Telnyx", details=details)
        return CarrierStatus(fax_id, FAILED, status, result, True, result.result_text, True)
    if status == "failed":
        code, text, permanent = FAILURES.get(
            reason, (None, f"Telnyx: {reason or 'failed without a reason'}", False)
        )
        if reason and reason not in FAILURES:
            log.warning("unknown Telnyx failure_reason %r for fax %s", reason, fax_id)
        result = TxResult(False, code, text, pages, details=details)
        return CarrierStatus(fax_id, FAILED, status, result, permanent, text)
    if status not in _PROGRESS_STATUSES:
        log.info("Telnyx fax %s reports %r", fax_id, status)
    return CarrierStatus(fax_id, PROGRESS, status)


# --- the transport -------------------------------------------------------------------------------


def _auth(config: CarrierSettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {config.api_token}"}


def _fax_url(config: CarrierSettings, fax_id: str = "", action: str = "") -> str:
    url = f"{config.api_url}/v2/faxes"
    if fax_id:
        url += "/" + quote(fax_id, safe="")
    return url + (f"/actions/{action}" if action else "")


def _refused(response: Response) -> TransportError:
    errors = response.json().get("errors") if isinstance(response.json(), dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return carriers.refusal(
        "Telnyx",
        response,
        code=first.get("code"),
        detail=str(first.get("detail") or first.get("title") or response.excerpt()),
        credentials="API key",
        check="the API key",
    )


def _data_id(body: Mapping[str, Any]) -> Any:
    data = body.get("data")
    return data.get("id") if isinstance(data, dict) else None


def encode_state(token: str) -> str:
    return base64.b64encode(token.encode()).decode()


def decode_state(state: Any) -> str:
    try:
        return base64.b64decode(str(state or ""), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


class TelnyxTransport(Transport):
    name: ClassVar[str] = NAME
    reports_later: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("api_url", "api_token", "public_key", "connection_id")

    @classmethod
    def environment(cls) -> dict[str, str]:
        return {
            "api_url": settings.FAXPORTAL_TELNYX_API_URL,
            "api_token": settings.FAXPORTAL_TELNYX_API_KEY,
            "public_key": settings.FAXPORTAL_TELNYX_PUBLIC_KEY,
            "connection_id": settings.FAXPORTAL_TELNYX_CONNECTION_ID,
            "from_number": settings.FAXPORTAL_TELNYX_FROM_NUMBER,
        }

    def send(self, fax: Fax, attempt: Attempt, tiff_path: Path) -> SendOutcome:
        from faxes.carriers.media.links import media_url

        config, caller = carriers.prepare_send(fax, attempt, "Telnyx account")
        body = {
            "connection_id": config.connection_id,
            "media_url": media_url(attempt),
            "to": fax.to_number,
            "from": caller,
            "quality": "normal" if fax.resolution == "standard" else "high",
            "webhook_url": config.webhook_url("events"),
            "client_state": encode_state(carriers.attempt_token(attempt)),
            # The portal keeps the document; Telnyx need not store a copy of it.
            "store_media": False,
        }
        return carriers.create_fax(
            "Telnyx",
            _fax_url(config),
            headers=_auth(config),
            refused=_refused,
            fax_id_of=_data_id,
            json_body=body,
        )

    def cancel(self, fax: Fax, attempt: Attempt) -> bool:
        """Ask Telnyx to cancel (queued, media.processed, originated or sending faxes)."""
        if not attempt.carrier_id:
            return False
        config = carriers.settings_for_attempt(fax, attempt)
        if config is None:
            return False
        return carriers.cancel_request(
            "Telnyx",
            _fax_url(config, attempt.carrier_id, "cancel"),
            headers=_auth(config),
            json_body={},
        )

    def fetch_status(self, fax: Fax, attempt: Attempt) -> CarrierStatus | None:
        config = carriers.settings_for_attempt(fax, attempt)
        if config is None:
            return None
        answer = carriers.status_request(
            "Telnyx",
            _fax_url(config, attempt.carrier_id),
            attempt.carrier_id,
            headers=_auth(config),
        )
        if not isinstance(answer, Response):
            return answer
        body = answer.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return None
        return status_from(attempt.carrier_id, str(data.get("status") or ""), data)

    def refresh_media_url(self, config: CarrierSettings, fax_id: str) -> str:
        """A fresh ``media_url`` for a received fax whose link expired ('' if none)."""
        try:
            refreshed = call(
                "POST",
                _fax_url(config, fax_id, "refresh"),
                headers=_auth(config),
                json_body={},
                retries=1,
            )
            if not refreshed.ok:
                return ""
            current = call("GET", _fax_url(config, fax_id), headers=_auth(config), retries=1)
        except CarrierHTTPError:
            return ""
        data = current.json().get("data") if current.ok else None
        return str(data.get("media_url") or "") if isinstance(data, dict) else ""

    def media_auth(self, config: CarrierSettings, url: str) -> tuple[dict[str, str], frozenset]:
        """The API key goes to Telnyx's API host only; ``media_url`` is normally a presigned
        storage link that must not get an Authorization header at all."""
        return _auth(config), frozenset({(urlsplit(config.api_url).hostname or "").lower()})

    def parse_callback(self, request: HttpRequest) -> CarrierCallback:
        key = request.resolver_match.kwargs.get("key", "") if request.resolver_match else ""
        config = carriers.settings_for_key(NAME, key)
        signature.verify_telnyx(
            request.body,
            request.headers.get("Telnyx-Signature-Ed25519", ""),
            request.headers.get("Telnyx-Timestamp", ""),
            config.public_key,
            tolerance=settings.FAXPORTAL_TELNYX_SIGNATURE_TOLERANCE,
        )
        try:
            data = json.loads(request.body)["data"]
            event_type = str(data["event_type"])
            event_id = str(data.get("id") or "")
            payload = data.get("payload") or {}
            fax_id = str(payload.get("fax_id") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CallbackRejected(400, "not a Telnyx event") from None
        if not event_type.startswith("fax.") or not fax_id:
            return CarrierCallback(
                carrier_id=fax_id, kind="ignored", config_key=key, event_id=event_id
            )
        if payload.get("direction") == "inbound":
            if event_type != "fax.received" or not payload.get("media_url"):
                if event_type == "fax.failed":
                    log.warning(
                        "Telnyx inbound fax %s failed: %s", fax_id, payload.get("failure_reason")
                    )
                return CarrierCallback(
                    carrier_id=fax_id, kind="ignored", config_key=key, event_id=event_id
                )
            fax = carriers.inbound_fax(
                carrier_fax_id=fax_id,
                to=str(payload.get("to") or ""),
                from_=str(payload.get("from") or ""),
                media_url=str(payload["media_url"]),
                pages=payload.get("page_count"),
                config_key=key,
            )
            return CarrierCallback(
                carrier_id=fax_id, kind="inbound", config_key=key, inbound=fax, event_id=event_id
            )
        status = event_type.removeprefix("fax.")
        return CarrierCallback(
            carrier_id=fax_id,
            kind="status",
            config_key=key,
            event_id=event_id,
            status=status_from(fax_id, status, payload),
            attempt_token=decode_state(payload.get("client_state")),
        )


Carrier = TelnyxTransport  # what the registry names
