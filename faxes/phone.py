"""Phone numbers: everything stored is E.164, parsed by the phonenumbers library."""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# What may separate the digits of a number as people write it: +1 (415) 555-1234.
SEPARATORS = frozenset(" -.()/")


def normalize_e164(raw: str, region: str | None = None) -> str:
    """``raw`` as E.164 (``+14155550100``), or ValidationError saying why not.

    Numbers without a leading ``+`` are read in ``region`` (default
    ``FAXPORTAL_DEFAULT_REGION``); a bare 11-digit NANP number with a leading
    1, as Kazoo clients often send, is read as such.
    """
    # JSON clients send numbers as integers too; any other type (list, dict, bool) ends
    # as a ValidationError rather than an AttributeError or a lenient parse of its repr.
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    elif raw is not None and not isinstance(raw, str):
        raise ValidationError(_not_a_number(raw), code="invalid")
    text = (raw or "").strip()
    if not text:
        raise ValidationError(gettext("A phone number is required."), code="required")
    _check_characters(raw, text)
    region = region or settings.FAXPORTAL_DEFAULT_REGION
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_not_a_number(raw), code="invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            gettext("%(value)s is not a valid phone number.") % {"value": repr(raw)},
            code="invalid",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _check_characters(raw: str, text: str) -> None:
    """Digits and separators only. phonenumbers alone would drop a trailing ``x``, read
    ``;ext=1`` as an extension and letters as keypad digits, and skip invisible
    characters: each is a number other than the one typed, so each is refused."""
    for char in text.removeprefix("+"):
        if char.isdecimal() or char in SEPARATORS or char.isspace():
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Cs"):
            name = unicodedata.name(char, "").title() or "a control character"
            raise ValidationError(
                gettext(
                    "%(value)s contains an invisible character (%(code)s, %(name)s); "
                    "type the number again."
                )
                % {"value": repr(raw), "code": f"U+{ord(char):04X}", "name": name},
                code="invalid",
            )
        raise ValidationError(
            gettext(
                "%(value)s is not a phone number: only digits, spaces, ( ) - . / and a "
                "leading + are allowed, not %(char)s."
            )
            % {"value": repr(raw), "char": repr(char)},
            code="invalid",
        )


def _not_a_number(raw) -> str:
    return gettext("%(value)s is not a phone number.") % {"value": repr(raw)}


def normalize_all(values: list[str]) -> tuple[list[str], list[str]]:
    """Each value as E.164, duplicates dropped (first order kept), and the messages for
    those that are not numbers, so a form can list every bad entry at once."""
    numbers: list[str] = []
    errors: list[str] = []
    for raw in values:
        try:
            number = normalize_e164(raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if number not in numbers:
            numbers.append(number)
    return numbers, errors
