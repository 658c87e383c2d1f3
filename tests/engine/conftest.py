from __future__ import annotations

import pytest

from faxportal.celery import app as celery_app


@pytest.fixture(autouse=True)
def eager_celery(settings):
    """Tasks run inline when their on-commit hook fires."""
    celery_app.conf.task_always_eager = True
    settings.FAXPORTAL_RETRY_DELAY = 60
    yield
    celery_app.conf.task_always_eager = False
