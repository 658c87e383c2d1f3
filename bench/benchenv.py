"""Ready a benchmark process for the document pipeline and the modem.

Those libraries are Django-free but import the failure table, whose texts are marked for
translation: Django's settings must be configured before they are imported. Default settings
are enough (nothing is translated, no app is loaded): the process stays as light as the
libraries themselves, so its startup time and peak memory are theirs.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_ready() -> None:
    """Idempotent: configure default settings once per process."""
    from django.conf import settings

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if not settings.configured:
        settings.configure()
