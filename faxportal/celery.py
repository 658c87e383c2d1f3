"""The Celery application. Tasks only wake work up; the database holds the state."""

import logging
import os
from collections.abc import Callable
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar, overload

from celery import Celery, shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import transaction

from faxportal import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")


class PortalTask(DjangoTask[_P, _R]):
    """Every task of the portal: ``delay_on_commit`` wakes a worker once the current
    transaction commits, and a broker that cannot be reached is logged, never raised —
    the state is already committed and the sweepers re-enqueue what is still due.
    ``if_lost`` runs when the message could not be sent (e.g. to release a lease)."""

    def delay_on_commit(  # type: ignore[override]
        self, *args, if_lost: Callable[[], None] | None = None, **kwargs
    ) -> None:
        def send() -> None:
            if not self.delay_safely(*args, **kwargs) and if_lost is not None:
                if_lost()

        transaction.on_commit(send)

    def delay_safely(self, *args, **kwargs) -> bool:
        """``delay`` now; False (logged) when the broker did not take the message."""
        try:
            self.delay(*args, **kwargs)
        except Exception:
            log.exception("could not enqueue %s%r", self.name, args)
            return False
        return True


@overload
def portal_task(
    *, bind: Literal[True], **options: Any
) -> Callable[[Callable[Concatenate[Any, _P], _R]], PortalTask[_P, _R]]: ...
@overload
def portal_task(
    *, bind: Literal[False] = False, **options: Any
) -> Callable[[Callable[_P, _R]], PortalTask[_P, _R]]: ...
def portal_task(**options: Any) -> Any:
    """``shared_task``, typed as what it makes here: the app's ``task_cls`` is
    ``PortalTask`` (chosen at run time, which the Celery stubs cannot see), so callers may
    use ``delay_on_commit(..., if_lost=...)`` and ``delay_safely``."""
    return shared_task(**options)


app = Celery("faxportal", task_cls=PortalTask)


@app.on_configure.connect
def _prepare_embedded_install(sender: Celery, **kwargs) -> None:
    """A Celery program (``celery -A faxportal worker|beat``) reads the settings through
    this app: prepare the data folder first, as manage.py and the WSGI app do. Where
    Django loaded them already (manage.py, the web server, tests), nothing to do."""
    if not settings.configured:
        embedded.prepare()


app.config_from_object("django.conf:settings", namespace="CELERY")
# Reads faxes.tasks, which names every task module (each task lives beside its service).
app.autodiscover_tasks()
