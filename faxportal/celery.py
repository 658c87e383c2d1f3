"""The Celery application. Tasks only wake work up; the database holds the state."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")

app = Celery("faxportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
