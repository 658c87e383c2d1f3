"""The reader's language for what the portal writes outside a request: e-mails, cover
pages and receipts of a fax are in the language of the user the fax is for (its owner),
else of its account, else the portal's default."""

from __future__ import annotations

from django.utils import translation

from accounts.languages import language_for
from faxes.documents.wording import Wording
from faxes.models import Fax


def fax_language(fax: Fax) -> str:
    return language_for(fax.owner if fax.owner_id else None, fax.account)


def wording(language: str) -> Wording:
    """The translation functions of ``language``, for the Django-free page renderers (which
    may draw later, on another thread: each call activates the language itself)."""

    def gettext(message: str) -> str:
        with translation.override(language):
            return translation.gettext(message)

    def ngettext(singular: str, plural: str, count: int) -> str:
        with translation.override(language):
            return translation.ngettext(singular, plural, count)

    return Wording(gettext=gettext, ngettext=ngettext)


def fax_wording(fax: Fax) -> Wording:
    return wording(fax_language(fax))
