"""SignalWire's portal-wide settings, read from the environment by faxportal.settings.

A ``CarrierConfig`` in Django admin (per account or faxbox) may override each of them;
blank fields there fall back to these (README, "Cloud carriers").
"""

from __future__ import annotations

from faxportal.env import env_secret, env_str, env_url


def from_environment() -> dict[str, object]:
    return {
        "FAXPORTAL_SIGNALWIRE_SPACE_URL": env_url(
            "FAXPORTAL_SIGNALWIRE_SPACE_URL", "", ("https", "http")
        ).rstrip("/"),
        "FAXPORTAL_SIGNALWIRE_PROJECT_ID": env_str("FAXPORTAL_SIGNALWIRE_PROJECT_ID"),
        "FAXPORTAL_SIGNALWIRE_API_TOKEN": env_secret("FAXPORTAL_SIGNALWIRE_API_TOKEN"),
        "FAXPORTAL_SIGNALWIRE_SIGNING_KEY": env_secret("FAXPORTAL_SIGNALWIRE_SIGNING_KEY"),
        "FAXPORTAL_SIGNALWIRE_FROM_NUMBER": env_str("FAXPORTAL_SIGNALWIRE_FROM_NUMBER"),
    }
