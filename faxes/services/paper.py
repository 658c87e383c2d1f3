"""Paper sizes as every surface gives them: one reading, one error message."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from faxes.models import AUTO_PAPER, PaperSize


def check_paper_size(value: object) -> str:
    """A paper size as sent: ``letter``, ``a4``, ``legal`` or ``b4`` (any case), or
    automatic (None, blank or ``auto``: returned as ""). Anything else is a
    ``ValidationError`` under ``paper_size``."""
    if value is None:
        return ""
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("", AUTO_PAPER):
        return ""
    if text in PaperSize.values:
        return text
    raise ValidationError(
        {
            "paper_size": [
                gettext("Paper size must be one of letter, a4, legal, b4 or auto; got %(value)s.")
                % {"value": repr(value)[:40]}
            ]
        }
    )
