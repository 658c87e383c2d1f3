"""The settings module, loaded in a fresh interpreter with a given environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
  "engine": settings.DATABASES["default"]["ENGINE"],
  "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
  "db_name": settings.DATABASES["default"]["NAME"],
  "storage": settings.STORAGES["default"],
  "broker": settings.CELERY_BROKER_URL,
  "email": settings.EMAIL_BACKEND,
  "debug": settings.DEBUG,
  "media": str(settings.MEDIA_ROOT),
  "cache": settings.CACHES["default"]["BACKEND"],
}, default=str))
"""


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE", "CELERY", "FAXPORTAL", "DJANGO"))
    }
    clean.update(
        {"FAXPORTAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "faxportal.settings", **env}
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def settings_with(tmp_path: Path, **env: str) -> dict:
    result = load_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_need_no_server(tmp_path):
    loaded = settings_with(tmp_path)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["db_name"] == str(tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in loaded["db_options"]["init_command"]
    assert loaded["db_options"]["timeout"] >= 5
    assert loaded["storage"]["BACKEND"] == "faxportal.storage.EncryptedFileSystemStorage"
    assert loaded["media"] == str(tmp_path / "media")
    assert loaded["broker"] == "filesystem://"
    assert loaded["email"].endswith("console.EmailBackend")
    assert loaded["debug"] is False
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_sqlite_runs_in_wal_mode(tmp_path):
    script = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(FAXPORTAL_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="faxportal.settings")
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "wal", out.stderr


def test_database_url_switches_to_postgresql(tmp_path):
    loaded = settings_with(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/faxportal")
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["db_name"] == "faxportal"


def test_broker_url_switches_to_redis(tmp_path):
    assert settings_with(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")["broker"] == (
        "redis://127.0.0.1:6379/0"
    )


def test_s3_bucket_switches_storage_to_private_s3(tmp_path):
    loaded = settings_with(
        tmp_path,
        FAXPORTAL_S3_BUCKET="faxes",
        FAXPORTAL_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        FAXPORTAL_S3_ACCESS_KEY_ID="key",
        FAXPORTAL_S3_SECRET_ACCESS_KEY="secret",
        FAXPORTAL_ENCRYPTION_KEYS="k1:" + "A" * 43 + "=",
    )
    storage = loaded["storage"]
    assert storage["BACKEND"] == "faxportal.storage.EncryptedS3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "faxes"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["querystring_auth"] is True
    assert storage["OPTIONS"]["file_overwrite"] is False


def test_s3_needs_explicit_encryption_keys(tmp_path):
    result = load_settings(tmp_path, FAXPORTAL_S3_BUCKET="faxes")
    assert result.returncode != 0
    assert "FAXPORTAL_ENCRYPTION_KEYS is required" in result.stderr


def test_malformed_encryption_keys_are_refused(tmp_path):
    result = load_settings(tmp_path, FAXPORTAL_ENCRYPTION_KEYS="2027:" + "A" * 22 + "==")
    assert result.returncode != 0
    assert "FAXPORTAL_ENCRYPTION_KEYS: key '2027' is 16 bytes" in result.stderr


def test_embedded_encryption_key_is_generated_once_and_kept(tmp_path):
    settings_with(tmp_path)
    key_file = tmp_path / "encryption_key"
    first = key_file.read_text()
    assert first.startswith("local:") and len(first) == len("local:") + 44
    assert key_file.stat().st_mode & 0o077 == 0
    settings_with(tmp_path)
    assert key_file.read_text() == first


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL"),
        ({"DJANGO_DEBUG": "sometimes"}, "DJANGO_DEBUG"),
        (
            {"FAXPORTAL_MAX_DOCUMENT_PAGES": "many"},
            "FAXPORTAL_MAX_DOCUMENT_PAGES must be an integer",
        ),
        ({"CELERY_BROKER_URL": "kafka://x"}, "CELERY_BROKER_URL"),
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "mutually exclusive"),
    ],
)
def test_bad_values_stop_startup_with_a_clear_message(tmp_path, env, message):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr
