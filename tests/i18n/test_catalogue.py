"""The translation catalogue is complete: every message of the German and Spanish
catalogues is translated, and no template shows text outside the translation tags."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
# Text a template may show as it is: not words of a language (units, protocol and file
# format names, symbols).
NOT_WORDS = {"ECM", "PDF", "TIFF", "T.30", "SHA-256", "HTTP", "URL", "bps", "faxapi_", "API"}

DJANGO = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
TRANSLATED = re.compile(
    r"\{% blocktranslate.*?%\}.*?\{% endblocktranslate %\}"
    r"|\{% translate .*?%\}"
    r"|\{% comment %\}.*?\{% endcomment %\}",
    re.S,
)
LITERAL_IN_VARIABLE = re.compile(r"""\{\{[^}]*?:\s*["']([^"']*[A-Za-z]{2,}[^"']*)["']""")
SEEN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1
        for name, value in attrs:
            if name in SEEN_ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.found.append(data)


def untranslated_text(source: str) -> list[str]:
    """Visible words in a template outside {% translate %} and {% blocktranslate %}."""
    found = [m.group(1) for m in LITERAL_IN_VARIABLE.finditer(source)]
    text = DJANGO.sub(" ", TRANSLATED.sub(" ", source))
    parser = _Text()
    parser.feed(text)
    for chunk in parser.found:
        words = [w for w in chunk.split() if re.search(r"[A-Za-z]{2,}", w)]
        words = [w for w in words if w.strip(".,:;()·") not in NOT_WORDS]
        if words:
            found.append(" ".join(chunk.split()))
    return found


TEMPLATE_FILES = sorted(
    p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt") and p.is_file()
)


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_shows_no_untranslated_text(path):
    assert untranslated_text(path.read_text()) == []


def test_the_scanner_finds_text_outside_translation_tags():
    source = (
        '{% load i18n %}<p title="Hello">{% translate "Fine" %} Not fine {{ x|default:"never" }}'
        "{% blocktranslate %}Also fine{% endblocktranslate %} ECM</p>"
    )
    assert untranslated_text(source) == ["never", "Hello", "Not fine ECM"]


def _catalogues():
    return sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))


def test_german_and_spanish_catalogues_ship():
    languages = {p.parent.parent.name for p in _catalogues()}
    assert {"de", "es"} <= languages


@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated(path):
    catalogue = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    assert len(catalogue.translated_entries()) > (100 if path.stem == "django" else 10)
    for entry in catalogue.translated_entries():
        placeholders = set(re.findall(r"%\(\w+\)[sd]|\{\w*\}", entry.msgid))
        if entry.msgid_plural:
            placeholders |= set(re.findall(r"%\(\w+\)[sd]", entry.msgid_plural))
            texts = list(entry.msgstr_plural.values())
        else:
            texts = [entry.msgstr]
        for text in texts:
            assert set(re.findall(r"%\(\w+\)[sd]|\{\w*\}", text)) <= placeholders, entry.msgid


@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_plural_messages_have_every_form_the_language_has(path):
    """Spanish has three forms (one, millions, other): a missing one falls back to
    English at run time."""
    catalogue = polib.pofile(str(path))
    forms = int(re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata["Plural-Forms"]).group(1))
    short = [
        e.msgid
        for e in catalogue.translated_entries()
        if e.msgid_plural and sorted(e.msgstr_plural) != list(range(forms))
    ]
    assert short == []
