"""The embedded install's cache: one SQLite file shared by every process and thread of the machine.

Rate limits (the APIs' own and django-ratelimit's login limiter) count with ``cache.add`` and
``cache.incr``. Django's file cache does both as read-then-write, so two gunicorn workers reading
the same count both store count + 1, and a burst sails through its limit. Here ``add`` is one
upsert statement and ``incr`` one ``BEGIN IMMEDIATE`` transaction: SQLite serialises writers
across processes, so no count is ever lost. Production sets ``FAXPORTAL_CACHE_URL`` and gets
Redis, whose SET NX and INCR are atomic too.

Values are pickled, as in Django's own backends. Expired rows are removed as writes go by; past
``MAX_ENTRIES`` the rows closest to expiry are culled (``CULL_FREQUENCY``, as Django's backends).
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

_SCHEMA = "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value BLOB, expires REAL)"
# "Live": not expired at the time given as the last parameter.
_GET = "SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)"
_EXISTS = "SELECT 1 FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)"
_TOUCH = "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)"
_CULL_EVERY = 200  # writes of one connection between two clean-ups


class SQLiteCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._path = location
        self._local = threading.local()

    # --- connection -------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: a connection never crosses one)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # Autocommit: every statement is its own transaction unless BEGIN says otherwise.
            db = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            with suppress(sqlite3.OperationalError):  # another process holds it mid-switch
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            local.db, local.pid, local.writes = db, os.getpid(), 0
        return local.db

    def _wrote(self, db: sqlite3.Connection, now: float) -> None:
        self._local.writes += 1
        if self._local.writes % _CULL_EVERY:
            return
        db.execute("DELETE FROM cache WHERE expires <= ?", (now,))
        (count,) = db.execute("SELECT COUNT(*) FROM cache").fetchone()
        if count > self._max_entries:
            cull = count // self._cull_frequency if self._cull_frequency else count
            db.execute(
                "DELETE FROM cache WHERE key IN "
                "(SELECT key FROM cache ORDER BY expires IS NULL, expires LIMIT ?)",
                (cull,),
            )

    @staticmethod
    def _dump(value: Any) -> bytes:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    # --- Django's cache API ------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        db, now = self._db(), time.time()
        # One statement: insert, or replace a row that has expired; a live row stays.
        added = db.execute(
            "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO "
            "UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
            (key, self._dump(value), self.get_backend_timeout(timeout), now),
        ).rowcount
        self._wrote(db, now)
        return added == 1

    def get(self, key, default=None, version=None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._db().execute(_GET, (key, time.time())).fetchone()
        return default if row is None else pickle.loads(row[0])  # noqa: S301 - our own rows

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        db, now = self._db(), time.time()
        db.execute(
            "INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)",
            (key, self._dump(value), self.get_backend_timeout(timeout)),
        )
        self._wrote(db, now)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return (
            self._db()
            .execute(
                _TOUCH,
                (self.get_backend_timeout(timeout), key, time.time()),
            )
            .rowcount
            == 1
        )

    def delete(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        live = db.execute(_EXISTS, (key, time.time())).fetchone()
        db.execute("DELETE FROM cache WHERE key = ?", (key,))
        return live is not None

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        row = self._db().execute(_EXISTS, (key, time.time())).fetchone()
        return row is not None

    def incr(self, key, delta=1, version=None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        # IMMEDIATE takes the write lock before reading: no other process can read the old
        # count in between and write the same new one.
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(_GET, (key, time.time())).fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(row[0]) + delta  # noqa: S301 - our own rows
            db.execute("UPDATE cache SET value = ? WHERE key = ?", (self._dump(value), key))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return value

    def incr_many(self, keys: Sequence[str], timeout: int) -> list[int]:
        """Add one to each counter, creating missing or expired ones at 0 with ``timeout``;
        the new values. All in one transaction (see ``faxportal.counters``)."""
        full = [self.make_and_validate_key(key) for key in keys]
        db, now = self._db(), time.time()
        expires = self.get_backend_timeout(timeout)
        counts = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for key in full:
                row = db.execute(_GET, (key, now)).fetchone()
                if row is None:
                    value = 1
                    db.execute(
                        "INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)",
                        (key, self._dump(value), expires),
                    )
                else:
                    value = pickle.loads(row[0]) + 1  # noqa: S301 - our own rows
                    db.execute("UPDATE cache SET value = ? WHERE key = ?", (self._dump(value), key))
                counts.append(value)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self._wrote(db, now)
        return counts

    def clear(self) -> None:
        self._db().execute("DELETE FROM cache")

    def close(self, **kwargs: Any) -> None:
        """Kept open: Django calls this after every request, and reopening costs more."""
