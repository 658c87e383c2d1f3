"""The embedded install's data folder: made ready by the programs that start the portal.

Importing the settings writes nothing; they only read what is here. ``prepare()``
creates the folder, the random keys the embedded defaults use (``secret_key``,
``encryption_key``), the static folder and the filesystem broker's folders. It runs
in every program that starts the portal: ``manage.py`` (each command),
``faxportal.wsgi``/``faxportal.asgi``, and the Celery programs (``celery -A
faxportal worker|beat``), which load the settings through the Celery app. The keys
are made once and then only read, so every process of an install shares them.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from pathlib import Path

from faxportal.env import env_path, env_secret, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
ENCRYPTION_KEY_FILE = "encryption_key"
BROKER_FOLDERS = ("out", "processed", "control")


def data_dir() -> Path:
    """``FAXPORTAL_DATA_DIR``, by default ``data/`` beside manage.py."""
    return env_path("FAXPORTAL_DATA_DIR", BASE_DIR / "data")


def read_key(folder: Path, name: str) -> str:
    """A key kept in the data folder, or "" when it was not made yet."""
    try:
        return (folder / name).read_text().strip()
    except FileNotFoundError:
        return ""


def prepare(folder: Path | None = None) -> Path:
    """Create what the embedded defaults need in the data folder; keep what exists."""
    folder = data_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "static").mkdir(exist_ok=True)
    if not env_secret("DJANGO_SECRET_KEY"):
        _make_key(folder / SECRET_KEY_FILE, secrets.token_urlsafe(50))
    if not env_secret("FAXPORTAL_ENCRYPTION_KEYS") and not env_str("FAXPORTAL_S3_BUCKET"):
        # Back this one up with the files: they cannot be opened without it.
        _make_key(
            folder / ENCRYPTION_KEY_FILE,
            f"local:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        )
    if broker_url() == "filesystem://":
        for sub in BROKER_FOLDERS:
            (folder / "broker" / sub).mkdir(parents=True, exist_ok=True)
    return folder


def broker_url() -> str:
    return env_url(
        "CELERY_BROKER_URL", "filesystem://", ("filesystem", "redis", "rediss", "amqp", "amqps")
    )


def _make_key(path: Path, value: str) -> None:
    """Write ``value`` to ``path`` (owner-only) unless it exists. The file appears whole
    or not at all, and of two processes racing the first one's key is kept."""
    if path.exists():
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as file:  # mkstemp makes it 0600
            file.write(value)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
