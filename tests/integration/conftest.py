"""Fixtures for tests that run real worker processes against real services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.redis_service import require_redis

ROOT = Path(__file__).resolve().parents[2]


def _unavailable(reason: str) -> None:
    if os.environ.get("FAXPORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    return require_redis(flush=True)


def _drop_broker_connections(app) -> None:
    """Forget the app's cached connections and producers, so the next message goes to
    the broker the configuration names now (they are made once, on first use)."""
    app.close()
    app.amqp._producer_pool = None


@pytest.fixture
def redis_broker(redis_url, monkeypatch) -> Iterator[str]:
    """This process sends its tasks to the test Redis, as the worker processes read them.

    Setting ``broker_url`` alone is not enough: a test run earlier in this process may
    have opened a connection to another broker, and the message would go there.
    """
    from faxportal.celery import app

    monkeypatch.setattr(app.conf, "broker_url", redis_url)
    _drop_broker_connections(app)
    yield redis_url
    monkeypatch.undo()
    _drop_broker_connections(app)


@pytest.fixture
def shared_database_url(transactional_db) -> str:
    """The test database as a URL other processes can open (PostgreSQL only)."""
    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql":
        _unavailable("worker tests need PostgreSQL (DATABASE_URL=postgres://…)")
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class ProcessGroup:
    """Starts portal processes (worker, beat) in their own process groups."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("a")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "faxportal", *args],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the whole group: the worker and its pool children die mid-task."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def portal_processes(
    tmp_path, settings, redis_url, shared_database_url
) -> Iterator[Callable[..., ProcessGroup]]:
    groups: list[ProcessGroup] = []

    def make(**extra_env: str) -> ProcessGroup:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAXPORTAL_", "CELERY_"))}
        env["FAXPORTAL_OCR"] = "off"  # as in-process tests; the text layer has tests/ocr
        env.update(
            DATABASE_URL=shared_database_url,
            CELERY_BROKER_URL=redis_url,
            FAXPORTAL_DATA_DIR=str(tmp_path / "data"),
            FAXPORTAL_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            FAXPORTAL_ENCRYPTION_KEYS=",".join(settings.FAXPORTAL_ENCRYPTION_KEYS),
            **extra_env,
        )
        group = ProcessGroup(env, tmp_path)
        groups.append(group)
        return group

    yield make
    for group in groups:
        group.stop_all()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
