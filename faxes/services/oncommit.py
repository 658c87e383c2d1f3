"""Waking a Celery worker once the current transaction commits."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def delay_on_commit(task_name: str, *args: str) -> None:
    """Call ``faxes.tasks.<task_name>.delay(*args)`` after the surrounding commit.

    A failure to reach the broker is logged, not raised: the state it concerns is
    already committed, and the sweeper re-enqueues work that is still due.
    """

    def send() -> None:
        # Imported late: faxes.tasks imports the services.
        from faxes import tasks

        try:
            getattr(tasks, task_name).delay(*args)
        except Exception:
            log.exception("could not enqueue %s%r", task_name, args)

    transaction.on_commit(send)
