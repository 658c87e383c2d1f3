"""Which language a person reads: their own choice, else their account's, else the default.

Pages follow the browser (Accept-Language) unless the user chose a language; e-mails,
cover pages and receipts, made where there is no browser, follow the user (or account)
they are for.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.text import capfirst
from django.utils.translation import get_language_info


def language_choices() -> list[tuple[str, str]]:
    """(code, name in that language), e.g. ("de", "Deutsch"): a language is listed as its
    readers know it, whatever language the page is in."""
    return [
        (code, capfirst(get_language_info(code)["name_local"])) for code, _ in settings.LANGUAGES
    ]


def is_supported(code: str) -> bool:
    return code in {c for c, _ in settings.LANGUAGES}


def language_for(user=None, account=None) -> str:
    """The language to write to ``user`` (or, without one, to ``account``'s people) in."""
    for holder in (user, account, getattr(user, "account", None)):
        chosen = getattr(holder, "language", "") if holder is not None else ""
        if chosen and is_supported(chosen):
            return chosen
    return settings.LANGUAGE_CODE


def remember_language(response: HttpResponse, code: str) -> None:
    """Keep ``code`` in the language cookie (``""`` forgets it: the browser's applies)."""
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
