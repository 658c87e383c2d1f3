"""The native API's JSON parser: DRF's, with a bound on nesting (see faxportal.jsonbody)."""

from __future__ import annotations

import codecs

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser

from faxportal import jsonbody


class JSONParser(DrfJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return jsonbody.loads(text)
        except ValueError as exc:  # UnicodeDecodeError and TooDeep are ValueErrors too
            raise ParseError(f"JSON parse error - {exc}") from None
