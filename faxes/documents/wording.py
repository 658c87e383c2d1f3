"""The words on the pages this library draws (cover page, receipt), in the reader's language.

The library is Django-free: whoever renders a page passes the translation functions of the
reader's language (see ``faxes.services.wording``); without them the page is in English.
The messages are marked where they are used (``wording.gettext("To")``), so the portal's
translation catalogue finds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _same(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


@dataclass(frozen=True)
class Wording:
    gettext: Callable[[str], str] = _same
    ngettext: Callable[[str, str, int], str] = _english_plural


ENGLISH = Wording()
