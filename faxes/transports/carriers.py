"""What the cloud carrier transports share.

- :class:`CarrierSettings`: the credentials and options one send or callback uses, resolved
  from a ``CarrierConfig`` (faxbox → account → reseller ancestors) with blank fields filled
  from the environment, or from the environment alone (key ``default``).
- :class:`CarrierStatus`: a carrier's report on one outbound fax in our vocabulary
  (progress, delivered, failed; T.30 result; transient or permanent).
- :class:`CarrierCallback`: a verified callback, as ``Transport.parse_callback`` returns it.
- Signed per-attempt tokens for the callback URLs handed to a carrier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing

from faxes.transports.base import CallbackEvent, TxResult

if TYPE_CHECKING:
    from accounts.models import Account
    from faxes.models import Attempt, CarrierConfig, Fax, Faxbox, FaxNumber

log = logging.getLogger(__name__)

ENV_KEY = "default"  # the portal-wide configuration from the environment
CARRIERS = ("signalwire", "telnyx")
_CALLBACK_SALT = "faxportal.carrier-callback"

PROGRESS = "progress"
DELIVERED = "delivered"
FAILED = "failed"


class CarrierNotConfigured(Exception):
    """No usable configuration for a carrier: a clear message for the sender and admin."""


class CallbackRejected(Exception):
    """A callback that must not be acted on; ``status`` is the HTTP answer (4xx)."""

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
        needed = {
            "signalwire": ["api_url", "project_id", "api_token", "signing_key"],
            "telnyx": ["api_url", "api_token", "public_key", "connection_id"],
        }.get(self.transport, [])
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
    if transport == "signalwire":
        return {
            "api_url": settings.FAXPORTAL_SIGNALWIRE_SPACE_URL,
            "project_id": settings.FAXPORTAL_SIGNALWIRE_PROJECT_ID,
            "api_token": settings.FAXPORTAL_SIGNALWIRE_API_TOKEN,
            "signing_key": settings.FAXPORTAL_SIGNALWIRE_SIGNING_KEY,
            "from_number": settings.FAXPORTAL_SIGNALWIRE_FROM_NUMBER,
        }
    if transport == "telnyx":
        return {
            "api_url": settings.FAXPORTAL_TELNYX_API_URL,
            "api_token": settings.FAXPORTAL_TELNYX_API_KEY,
            "public_key": settings.FAXPORTAL_TELNYX_PUBLIC_KEY,
            "connection_id": settings.FAXPORTAL_TELNYX_CONNECTION_ID,
            "from_number": settings.FAXPORTAL_TELNYX_FROM_NUMBER,
        }
    return {}


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
    from faxes.transports.base import TransportError

    try:
        config = settings_for_fax(fax)
    except CarrierNotConfigured as exc:
        raise TransportError(str(exc), permanent=True) from None
    caller = fax.from_number or config.from_number
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


@dataclass(frozen=True)
class CarrierStatus:
    """A carrier's report on one outbound fax, in our vocabulary."""

    carrier_id: str
    state: str  # PROGRESS, DELIVERED or FAILED
    carrier_status: str  # the carrier's own word, kept for the attempt's details
    result: TxResult | None = None
    permanent: bool = False  # for FAILED: would trying again help?
    message: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class CarrierCallback(CallbackEvent):
    """A verified callback. ``kind``: ``status`` (outbound report), ``inbound`` (a received
    fax to download, see ``inbound``) or ``ignored`` (nothing for us to do)."""

    kind: str = "ignored"
    config_key: str = ""
    status: CarrierStatus | None = None
    event_id: str = ""  # the carrier's id of this delivery, for de-duplication
    attempt_token: str = ""  # our signed token, when the callback URL or payload carries one


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
) -> dict[str, Any]:
    """The JSON-serialisable description of a received fax the download task takes."""
    try:
        page_count = int(pages) if pages not in (None, "") else None
    except (TypeError, ValueError):
        page_count = None
    return {
        "carrier_fax_id": carrier_fax_id,
        "to": to,
        "from": from_,
        "media_url": media_url,
        "pages": page_count,
        "remote_station_id": (remote_station_id or "")[:32],
        "config_key": config_key,
        "extra": extra or {},
    }


# --- per-attempt callback tokens ---------------------------------------------------------------


def attempt_token(attempt: Attempt) -> str:
    """Signed, expiring reference to one attempt, put in the URLs given to the carrier."""
    return signing.dumps({"a": attempt.pk, "f": attempt.fax_id}, salt=_CALLBACK_SALT)


def read_attempt_token(token: str) -> tuple[int, str]:
    """(attempt id, fax id) of a token; CallbackRejected when forged (403) or old (410)."""
    try:
        data = signing.loads(
            token, salt=_CALLBACK_SALT, max_age=settings.FAXPORTAL_CARRIER_CALLBACK_TTL
        )
    except signing.SignatureExpired:
        raise CallbackRejected(410, "callback URL expired") from None
    except signing.BadSignature:
        raise CallbackRejected(403, "invalid callback URL") from None
    try:
        return int(data["a"]), str(data["f"])
    except (KeyError, TypeError, ValueError):
        raise CallbackRejected(403, "invalid callback URL") from None
