"""What the cloud carrier transports share.

- :class:`CarrierSettings`: the credentials and options one send or callback uses, resolved
  from a ``CarrierConfig`` (faxbox → account → reseller ancestors) with blank fields filled
  from the environment, or from the environment alone (key ``default``).
- Signed per-attempt tokens for the callback URLs handed to a carrier.
- The requests both carriers make the same way (create, cancel, status) and how a refusal
  or an unreadable number in a callback is read.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core import signing

from faxes.carriers import registry
from faxes.carriers.base import (
    FAILED,
    CarrierStatus,
    InboundFax,
    SendOutcome,
    TransportError,
    TxResult,
)
from faxes.carriers.http import CarrierHTTPError, Response, call
from faxes.failures import FaxFailure

if TYPE_CHECKING:
    from accounts.models import Account
    from faxes.models import Attempt, CarrierConfig, Fax, Faxbox, FaxNumber

log = logging.getLogger(__name__)

ENV_KEY = "default"  # the portal-wide configuration from the environment
CARRIERS = registry.CLOUD  # the transports that reach a carrier over the internet
_CALLBACK_SALT = "faxportal.carrier-callback"


class CarrierNotConfigured(FaxFailure):
    """No usable configuration for a carrier: a clear message for the sender and admin."""

    default_failure: ClassVar[str] = "carrier_not_configured"


class CallbackRejected(FaxFailure):
    """A callback that must not be acted on; ``status`` is the HTTP answer (4xx)."""

    default_failure: ClassVar[str] = "callback_refused"

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class CarrierSettings:
    transport: str
    key: str  # ENV_KEY or a CarrierConfig id; part of the webhook URLs
    account_id: str | None  # None: the portal-wide configuration
    faxbox_id: str | None
    tree_path: str  # of the configuring account; sub-accounts are served too
    api_url: str
    project_id: str = ""
    api_token: str = field(default="", repr=False)
    signing_key: str = field(default="", repr=False)
    public_key: str = ""
    connection_id: str = ""
    from_number: str = ""

    def missing(self) -> list[str]:
        """Names of the settings this carrier needs that are empty."""
        needed = registry.transport_class(self.transport).needs
        return [name for name in needed if not getattr(self, name)]

    def check(self) -> None:
        missing = self.missing()
        if missing:
            where = (
                "the environment" if self.key == ENV_KEY else f"carrier configuration {self.key}"
            )
            raise CarrierNotConfigured(
                f"{self.transport} is not fully configured: {', '.join(missing)} missing in "
                f"{where} (see README, 'Cloud carriers')"
            )

    def serves_number(self, number: FaxNumber) -> bool:
        """May a fax to ``number`` come in through this configuration? A carrier account
        configured by one tenant must never deliver into another tenant's faxbox."""
        if self.account_id is None:
            return True
        if self.faxbox_id is not None:
            return number.faxbox_id == self.faxbox_id
        return number.account.tree_path.startswith(self.tree_path)

    def webhook_url(self, suffix: str) -> str:
        return public_url(f"/hooks/{self.transport}/{self.key}/{suffix}")


def public_url(path: str) -> str:
    """The address a carrier reaches this portal at (``FAXPORTAL_BASE_URL``)."""
    return settings.FAXPORTAL_BASE_URL.rstrip("/") + path


def _env(transport: str) -> dict[str, str]:
    return registry.transport_class(transport).environment()


def from_environment(transport: str) -> CarrierSettings:
    return CarrierSettings(
        transport=transport,
        key=ENV_KEY,
        account_id=None,
        faxbox_id=None,
        tree_path="",
        **{"api_url": "", **_env(transport)},
    )


def from_config(config: CarrierConfig) -> CarrierSettings:
    env = _env(config.transport)
    names = (
        "api_url",
        "project_id",
        "api_token",
        "signing_key",
        "public_key",
        "connection_id",
        "from_number",
    )
    values = {name: (getattr(config, name) or env.get(name, "")).strip() for name in names}
    values["api_url"] = values["api_url"].rstrip("/")
    return CarrierSettings(
        transport=config.transport,
        key=config.pk,
        account_id=config.account_id,
        faxbox_id=config.faxbox_id,
        tree_path=config.account.tree_path,
        **values,
    )


def _chain(account: Account, faxbox: Faxbox | None) -> list[CarrierConfig]:
    """Enabled configurations that apply, nearest first: the faxbox's, the account's,
    then each reseller ancestor's account-wide one."""
    from faxes.models import CarrierConfig

    ids = [part for part in account.tree_path.split("/") if part] or [account.pk]
    configs = CarrierConfig.objects.select_related("account").filter(enabled=True)
    chain: list[CarrierConfig] = []
    if faxbox is not None:
        chain.extend(configs.filter(faxbox_id=faxbox.pk))
    by_account = {c.account_id: c for c in configs.filter(account_id__in=ids, faxbox=None)}
    chain.extend(by_account[i] for i in reversed(ids) if i in by_account)
    return chain


def transport_name_for(account: Account, faxbox: Faxbox | None) -> str:
    chain = _chain(account, faxbox)
    return chain[0].transport if chain else settings.FAXPORTAL_TRANSPORT


def settings_for(transport: str, account: Account, faxbox: Faxbox | None) -> CarrierSettings:
    """The nearest configuration of ``transport`` for this faxbox/account, else the
    environment's; raises CarrierNotConfigured when it lacks something."""
    for config in _chain(account, faxbox):
        if config.transport == transport:
            found = from_config(config)
            break
    else:
        found = from_environment(transport)
    found.check()
    return found


def settings_for_fax(fax: Fax) -> CarrierSettings:
    return settings_for(fax.transport, fax.account, fax.faxbox)


def prepare_send(fax: Fax, attempt: Attempt, carrier_label: str) -> tuple[CarrierSettings, str]:
    """The carrier settings and caller ID for sending ``fax``; TransportError when unusable.

    Records which configuration the attempt used, so callbacks verify with its keys.
    """
    from faxes.models import Attempt

    try:
        config = settings_for_fax(fax)
    except CarrierNotConfigured as exc:
        raise TransportError(str(exc), permanent=True) from None
    # The engine's choice (a number the account owns), never from_number as a client wrote it.
    caller = fax.sent_caller_id or config.from_number
    if not caller:
        raise TransportError(
            f"no caller ID: give the faxbox a caller ID number of your {carrier_label}, "
            "or set the carrier configuration's from number",
            permanent=True,
        )
    Attempt.objects.filter(pk=attempt.pk).update(details={"carrier_config": config.key})
    return config, caller


def settings_for_attempt(fax: Fax, attempt: Attempt) -> CarrierSettings | None:
    """The configuration an attempt was sent with (for cancel and polls); None if gone."""
    key = (attempt.details or {}).get("carrier_config")
    try:
        return settings_for_key(attempt.transport, key) if key else settings_for_fax(fax)
    except (CallbackRejected, CarrierNotConfigured) as exc:
        log.warning("no usable %s configuration for fax %s: %s", attempt.transport, fax.pk, exc)
        return None


def settings_for_key(transport: str, key: str) -> CarrierSettings:
    """The configuration a webhook URL names; CallbackRejected(404) when there is none."""
    from faxes.models import CarrierConfig

    if key == ENV_KEY:
        found = from_environment(transport)
    else:
        config = (
            CarrierConfig.objects.select_related("account")
            .filter(pk=key, transport=transport, enabled=True)
            .first()
        )
        if config is None:
            raise CallbackRejected(404, "unknown carrier configuration")
        found = from_config(config)
    if found.missing():
        raise CallbackRejected(404, "carrier configuration incomplete")
    return found


# --- what a carrier tells us -----------------------------------------------------------------


def inbound_fax(
    *,
    carrier_fax_id: str,
    to: str,
    from_: str,
    media_url: str,
    pages: Any = None,
    remote_station_id: str = "",
    config_key: str,
    extra: dict[str, Any] | None = None,
) -> InboundFax:
    """A received fax as a carrier's callback describes it."""
    page_count = as_count(pages) if pages not in (None, "") else None
    return InboundFax(
        carrier_fax_id=carrier_fax_id,
        to=to,
        from_=from_,
        media_url=media_url,
        pages=page_count,
        remote_station_id=(remote_station_id or "")[:32],
        config_key=config_key,
        extra=extra or {},
    )


# --- per-attempt callback tokens ---------------------------------------------------------------


def attempt_token(attempt: Attempt) -> str:
    """Signed, expiring reference to one attempt, put in the URLs given to the carrier."""
    return signing.dumps({"a": attempt.pk, "f": attempt.fax_id}, salt=_CALLBACK_SALT)


def load_token(token: str, salt: str) -> Any:
    """The data of a signed callback-URL token; CallbackRejected when forged (403) or older
    than ``FAXPORTAL_CARRIER_CALLBACK_TTL`` (410)."""
    try:
        return signing.loads(token, salt=salt, max_age=settings.FAXPORTAL_CARRIER_CALLBACK_TTL)
    except signing.SignatureExpired:
        raise CallbackRejected(410, "callback URL expired") from None
    except signing.BadSignature:
        raise CallbackRejected(403, "invalid callback URL") from None


def read_attempt_token(token: str) -> tuple[int, str]:
    """(attempt id, fax id) of a token; CallbackRejected when forged (403) or old (410)."""
    data = load_token(token, _CALLBACK_SALT)
    try:
        return int(data["a"]), str(data["f"])
    except (KeyError, TypeError, ValueError):
        raise CallbackRejected(403, "invalid callback URL") from None


# --- numbers in callbacks ----------------------------------------------------------------------

_MAX_COUNT = 2**31 - 1  # what the attempt's PositiveIntegerField columns hold


def as_count(value: Any) -> int:
    """A carrier's page count as a non-negative int, 0 when unreadable: a signed callback
    proves who sent it, not that its fields have the documented types."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return int(min(max(number, 0.0), _MAX_COUNT)) if math.isfinite(number) else 0


def as_seconds(value: Any) -> float:
    """A carrier's duration in seconds, 0.0 when unreadable, negative or not finite."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) and number >= 0 else 0.0


# --- requests both carriers make ---------------------------------------------------------------


def refusal(
    label: str, response: Response, *, code: Any, detail: str, credentials: str, check: str
) -> TransportError:
    """The TransportError for a carrier's non-2xx answer to a create request: bad
    credentials and other 4xx are permanent, except 408/409/429 (try again later)."""
    if response.status in (401, 403):
        text = f"{label} refused the {credentials} (HTTP {response.status}): check {check}"
        return TransportError(text, permanent=True, result=TxResult(False, None, text[:255]))
    permanent = 400 <= response.status < 500 and response.status not in (408, 409, 429)
    text = f"{label} refused the fax (HTTP {response.status}"
    text += f", code {code})" if code else ")"
    text += f": {detail}" if detail else ""
    return TransportError(text, permanent=permanent, result=TxResult(False, None, text[:255]))


def create_fax(
    label: str,
    url: str,
    *,
    headers: dict[str, str],
    refused: Callable[[Response], TransportError],
    fax_id_of: Callable[[Mapping[str, Any]], Any],
    form: dict[str, str] | None = None,
    json_body: Any = None,
) -> SendOutcome:
    """Ask the carrier to create a fax, once: a create whose answer was lost may still have
    happened, so it is never retried here (the watchdog settles that case)."""
    try:
        response = call("POST", url, headers=headers, form=form, json_body=json_body)
    except CarrierHTTPError as exc:
        text = f"{label} could not be reached: {exc.message}"
        raise TransportError(text, permanent=False, result=TxResult(False, None, text)) from None
    if not response.ok:
        raise refused(response)
    body = response.json()
    carrier_id = str(fax_id_of(body if isinstance(body, dict) else {}) or "")
    if not carrier_id:
        raise TransportError(f"{label} answered without a fax id", permanent=False)
    return SendOutcome(final=False, carrier_id=carrier_id)


def cancel_request(label: str, url: str, *, headers: dict[str, str], **body: Any) -> bool:
    """POST a cancel (safe to repeat, so retried once); False when the carrier said no or
    could not be reached."""
    try:
        return call("POST", url, headers=headers, retries=1, **body).ok
    except CarrierHTTPError as exc:
        log.warning("cancel at %s (%s) failed: %s", label, url, exc)
        return False


def status_request(
    label: str, url: str, carrier_id: str, *, headers: dict[str, str]
) -> CarrierStatus | Response | None:
    """GET a fax's status: the carrier's answer when it has one (2xx), a FAILED status
    when it does not know the fax (404, so the engine's retry policy applies), None when
    it cannot be asked right now."""
    try:
        response = call("GET", url, headers=headers, retries=2)
    except CarrierHTTPError as exc:
        log.warning("status of %s fax %s unavailable: %s", label, carrier_id, exc)
        return None
    if response.status == 404:
        result = TxResult(False, None, f"{label} does not know this fax")
        return CarrierStatus(carrier_id, FAILED, "unknown", result, False, result.result_text)
    return response if response.ok else None
