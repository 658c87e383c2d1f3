"""Size, page and pixel limits for accepted documents.

Defaults come from the Django settings ``FAXPORTAL_MAX_DOCUMENT_BYTES``,
``FAXPORTAL_MAX_DOCUMENT_PAGES`` and ``FAXPORTAL_MAX_IMAGE_PIXELS``; outside a configured
Django process (the benchmark, a bare script) the built-in defaults apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from .containers import DEFAULT_MAX_UNPACKED

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PAGES = 200
DEFAULT_MAX_PIXELS = 40_000_000


def _setting(name: str, default: int) -> int:
    from django.conf import settings

    if not settings.configured:
        return default
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    # Width x height of one image (or one TIFF frame, or one image inside a PDF):
    # the guard against decompression bombs, checked before any pixel is decoded.
    max_pixels: int = DEFAULT_MAX_PIXELS
    # What an Office package (a ZIP) may unpack to: the guard against zip bombs.
    max_unpacked: int = DEFAULT_MAX_UNPACKED

    @classmethod
    def from_settings(cls) -> DocumentLimits:
        # Read at call time, not import time, so settings overrides in tests apply.
        return cls(
            max_bytes=_setting("FAXPORTAL_MAX_DOCUMENT_BYTES", DEFAULT_MAX_BYTES),
            max_pages=_setting("FAXPORTAL_MAX_DOCUMENT_PAGES", DEFAULT_MAX_PAGES),
            max_pixels=_setting("FAXPORTAL_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS),
        )


def resolve(limits: DocumentLimits | None) -> DocumentLimits:
    return limits if limits is not None else DocumentLimits.from_settings()
