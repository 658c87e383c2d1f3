from __future__ import annotations

import pytest

from faxportal.celery import app as celery_app


@pytest.fixture(autouse=True)
def ocr_on(settings):
    """Tasks run inline when their on-commit hook fires; OCR is on (tests elsewhere turn it
    off to stay fast)."""
    celery_app.conf.task_always_eager = True
    settings.FAXPORTAL_OCR = True
    yield
    celery_app.conf.task_always_eager = False
