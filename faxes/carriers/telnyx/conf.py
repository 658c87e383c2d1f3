"""Telnyx's portal-wide settings, read from the environment by faxportal.settings.

A ``CarrierConfig`` in Django admin (per account or faxbox) may override the credentials;
blank fields there fall back to these (README, "Cloud carriers").
"""

from __future__ import annotations

from faxportal.env import env_int, env_secret, env_str, env_url


def from_environment() -> dict[str, object]:
    return {
        "FAXPORTAL_TELNYX_API_URL": env_url(
            "FAXPORTAL_TELNYX_API_URL", "https://api.telnyx.com", ("https", "http")
        ).rstrip("/"),
        "FAXPORTAL_TELNYX_API_KEY": env_secret("FAXPORTAL_TELNYX_API_KEY"),
        # The account's webhook public key (base64), from the Telnyx portal.
        "FAXPORTAL_TELNYX_PUBLIC_KEY": env_str("FAXPORTAL_TELNYX_PUBLIC_KEY"),
        "FAXPORTAL_TELNYX_CONNECTION_ID": env_str("FAXPORTAL_TELNYX_CONNECTION_ID"),
        "FAXPORTAL_TELNYX_FROM_NUMBER": env_str("FAXPORTAL_TELNYX_FROM_NUMBER"),
        # Webhooks signed longer ago than this (seconds) are refused as replays.
        "FAXPORTAL_TELNYX_SIGNATURE_TOLERANCE": env_int(
            "FAXPORTAL_TELNYX_SIGNATURE_TOLERANCE", 300, minimum=30, maximum=3600
        ),
    }
