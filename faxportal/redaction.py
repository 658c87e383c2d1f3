"""Secrets out of logs: query-string values of credential parameters, and API tokens.

Used by the logging filter every handler gets (``LOGGING`` in settings) and by the
gunicorn access logger (``faxportal.gunicorn_logging``), so neither Django's request
lines nor the access log ever carry an ``auth_token``, ``api_key`` or password.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "[REDACTED]"
# Parameter names whose values are credentials (compared lower-cased, after decoding).
SECRET_PARAMS = frozenset({
    "auth_token", "x-auth-token", "x_auth_token", "token", "access_token", "refresh_token",
    "id_token", "api_key", "apikey", "api-key", "key_secret", "secret", "client_secret",
    "password", "passwd", "pwd", "pass", "credentials", "signature", "sig",
})  # fmt: skip
# Request headers that carry credentials, for log formats that print headers.
SECRET_HEADERS = frozenset({"authorization", "x-auth-token", "cookie", "proxy-authorization"})
_QUERY = re.compile(r"\?([^\s\"'#]*)")
_API_TOKEN = re.compile(r"faxapi_[A-Za-z0-9_\-]{8,}")


def redact_query(query: str) -> str:
    """A query string with the values of credential parameters replaced."""
    pieces = re.split(r"([&;])", query)
    for index in range(0, len(pieces), 2):
        name, sep, _value = pieces[index].partition("=")
        if sep and unquote_plus(name).strip().lower() in SECRET_PARAMS:
            pieces[index] = f"{name}={REDACTED}"
    return "".join(pieces)


def redact(text: str) -> str:
    """``text`` (a log line, a URL) with query-string secrets and API tokens replaced."""
    if not text:
        return text
    text = _QUERY.sub(lambda match: "?" + redact_query(match.group(1)), text)
    return _API_TOKEN.sub("faxapi_" + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record whose formatted message carries a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
