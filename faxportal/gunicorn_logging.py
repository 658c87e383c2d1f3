"""gunicorn's logger with credentials removed from access-log and error-log lines.

Run gunicorn with ``--logger-class faxportal.gunicorn_logging.RedactingLogger`` (runportal
does): the request line, query string and referer lose their ``auth_token=…``,
``api_key=…``, ``password=…`` values, and header atoms such as ``%({authorization}i)s``
print ``[REDACTED]``. The error log ("Error handling request GET /path?auth_token=…")
gets the same filter Django's handlers have.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from faxportal.redaction import (
    REDACTED,
    SECRET_HEADERS,
    RedactSecretsFilter,
    redact,
    redact_query,
)


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(RedactSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        if isinstance(atoms.get("q"), str):
            atoms["q"] = redact_query(atoms["q"])
        for header in SECRET_HEADERS:
            if f"{{{header}}}i" in atoms:
                atoms[f"{{{header}}}i"] = REDACTED
        return atoms
