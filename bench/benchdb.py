"""A throw-away PostgreSQL database for a benchmark: created, migrated, dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def bench_database(database_url: str, **extra_env: str) -> Iterator[dict[str, str]]:
    """Create and migrate ``database_url``, set up Django on it, drop it afterwards.

    Yields the environment the benchmark's own subprocesses (workers, servers) should use.
    """
    import psycopg

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAXPORTAL_", "CELERY_"))}
    env.update(
        DATABASE_URL=database_url,
        FAXPORTAL_DATA_DIR=tempfile.mkdtemp(prefix="fax-bench-"),
        FAXPORTAL_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="faxportal.settings",
        **extra_env,
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import django

    from faxportal import embedded

    embedded.prepare()

    django.setup()
    try:
        yield env
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
