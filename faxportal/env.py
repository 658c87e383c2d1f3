"""Typed readers for configuration taken from the environment.

Each helper returns the parsed value or the default, and raises
``ImproperlyConfigured`` naming the variable when a value is present but
malformed, so a typo fails at start-up instead of behaving oddly later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, got {value!r}")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {number}")
    return number


def env_list(
    name: str, default: list[str] | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: list[str], environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {choices}, got {value!r}")
    return value


def env_path(name: str, default: Path, environ: Mapping[str, str] | None = None) -> Path:
    value = _raw(name, environ)
    return default if value is None else Path(value).expanduser().resolve()


def env_secret(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    """A secret read from ``NAME`` or from the file named by ``NAME_FILE``.

    The ``_FILE`` form lets deployments keep secrets in mounted files
    (Docker/Kubernetes secrets) instead of the process environment.
    """
    file_name = _raw(f"{name}_FILE", environ)
    if file_name is not None:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r}: {exc}") from exc
    return env_str(name, default, environ)


def env_url(
    name: str,
    default: str,
    schemes: tuple[str, ...],
    environ: Mapping[str, str] | None = None,
) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {[s + '://' for s in schemes]}, "
            f"got {value!r}"
        )
    return value


def env_seconds_map(name: str, environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """``key=seconds`` pairs separated by commas, e.g. ``converting=3,sending=1.5``."""
    value = _raw(name, environ)
    if value is None:
        return {}
    result: dict[str, float] = {}
    for item in value.split(","):
        key, sep, number = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            seconds = float(number)
            if seconds < 0:
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must look like 'stage=seconds,stage=seconds', got {value!r}"
            ) from None
        result[key.strip()] = seconds
    return result
