"""12- or 24-hour times, as the user's browser locale writes them (Accept-Language).

Set per request by ``portal_page``; the ``stamp`` template filter reads it.
"""

from __future__ import annotations

from contextvars import ContextVar

# Locales whose usual clock is 12-hour (CLDR short time format with "h" or "a").
_TWELVE_HOUR_LANGUAGES = {"ar", "bn", "hi", "ko", "ur", "ta", "te", "mr", "fil"}
_TWELVE_HOUR_ENGLISH = {"", "us", "ca", "au", "nz", "in", "ph", "pk", "eg", "sa", "my"}
_TWELVE_HOUR_CHINESE = {"tw", "hk", "hant", "mo"}

twelve_hour: ContextVar[bool] = ContextVar("twelve_hour", default=False)


def uses_twelve_hour(accept_language: str) -> bool:
    """True when the browser's first language writes times on a 12-hour clock."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip().lower()
    if not first or first == "*":
        return False
    language, _, rest = first.replace("_", "-").partition("-")
    region = rest.split("-")[-1] if rest else ""
    if language == "en":
        return region in _TWELVE_HOUR_ENGLISH
    if language == "zh":
        return any(part in _TWELVE_HOUR_CHINESE for part in rest.split("-"))
    if language == "es":
        return region in {"us", "mx", "co", "pr"}
    return language in _TWELVE_HOUR_LANGUAGES


def time_format(fmt: str) -> str:
    """A Django date format with its 24-hour time turned to 12-hour when the user's is."""
    if not twelve_hour.get():
        return fmt
    return fmt.replace("H:i:s", "g:i:s A").replace("H:i", "g:i A")
