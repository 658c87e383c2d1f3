"""Set Django up for a benchmark that uses the document pipeline or the modem.

The libraries import the failure table, whose texts are translatable: the settings must be
configured first. A benchmark's own data folder (a temporary one unless
``FAXPORTAL_DATA_DIR`` is set) keeps it away from a real install's.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_ready() -> None:
    """Idempotent: configure the settings and run django.setup() once per process."""
    import django
    from django.apps import apps

    if apps.ready:
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("FAXPORTAL_DATA_DIR", tempfile.mkdtemp(prefix="fax-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")
    os.environ.setdefault("FAXPORTAL_LOG_LEVEL", "WARNING")
    from faxportal import embedded

    embedded.prepare()
    django.setup()
