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
from faxportal import embedded
embedded.prepare()  # as manage.py, the WSGI app and the Celery programs do first
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


def clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE", "CELERY", "FAXPORTAL", "DJANGO"))
    }
    clean.update(
        {"FAXPORTAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "faxportal.settings", **env}
    )
    return clean


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
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


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.mark.parametrize("exists", [True, False])
def test_importing_the_settings_writes_nothing(tmp_path, exists):
    data = tmp_path / "data"
    if exists:
        data.mkdir()
    script = (
        "import json, django; from django.conf import settings; django.setup();"
        "import faxportal.celery, faxportal.settings as s;"
        "print(json.dumps([s.SECRET_KEY, s.FAXPORTAL_ENCRYPTION_KEYS, str(s.STATIC_ROOT)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean_env(data),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # Unprepared: no key is invented (it would differ from the next process's).
    assert json.loads(result.stdout) == ["", [], str(data / "static")]
    assert files_under(tmp_path) == (["data"] if exists else [])


def test_an_unprepared_secret_key_is_refused_when_used(tmp_path):
    script = "import django; django.setup(); from django.core import signing; signing.dumps(1)"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean_env(tmp_path / "data"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in result.stderr
    assert not (tmp_path / "data").exists()


PRINT_KEYS = (
    "from django.conf import settings as s; print(s.SECRET_KEY, *s.FAXPORTAL_ENCRYPTION_KEYS)"
)


@pytest.mark.parametrize(
    "program",
    [
        ["manage.py", "shell", "-v", "0", "-c", PRINT_KEYS],
        ["-c", f"import faxportal.wsgi; {PRINT_KEYS}"],
        ["-c", f"import faxportal.asgi; {PRINT_KEYS}"],
        ["-m", "celery", "-A", "faxportal", "report"],
    ],
    ids=["manage.py", "wsgi", "asgi", "celery"],
)
def test_each_program_prepares_the_embedded_data_folder(tmp_path, program):
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, *program], cwd=ROOT, env=clean_env(data), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert files_under(data) == [
        "broker",
        "broker/control",
        "broker/out",
        "broker/processed",
        "encryption_key",
        "secret_key",
        "static",
    ]
    secret, encryption = (data / "secret_key").read_text(), (data / "encryption_key").read_text()
    if program[0] != "-m":
        # The settings of that process read the keys just made.
        assert result.stdout.split() == [secret, encryption, secret]


def test_the_keys_are_made_once_and_shared_by_every_process(tmp_path):
    data = tmp_path / "data"
    runs = [
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", PRINT_KEYS],
            cwd=ROOT,
            env=clean_env(data),
            capture_output=True,
            text=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and len(runs[0].split()) == 3


def test_keys_given_in_the_environment_are_not_written(tmp_path):
    data = tmp_path / "data"
    env = clean_env(
        data,
        DJANGO_SECRET_KEY="s" * 50,
        FAXPORTAL_ENCRYPTION_KEYS="k1:" + "A" * 43 + "=",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PRINT_KEYS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["s" * 50, "k1:" + "A" * 43 + "="]
    assert files_under(data) == ["static"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FAXPORTAL_TRANSPORT", "carrier-pigeon"),
        ("FAXPORTAL_LOOPBACK_MODE", "g722"),
        ("FAXPORTAL_NOTIFY_ATTACHMENT", "docx"),
        ("FAXPORTAL_LOG_LEVEL", "LOUD"),
    ],
)
def test_choices_outside_their_list_stop_startup(tmp_path, name, value):
    result = load_settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert f"{name} must be one of" in result.stderr
    assert repr(value) in result.stderr


def test_the_beat_schedule_lists_every_periodic_task(tmp_path):
    script = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps({k: v['task'] for k, v in settings.CELERY_BEAT_SCHEDULE.items()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean_env(tmp_path, FAXPORTAL_SWEEP_INTERVAL="20"),
        capture_output=True,
        text=True,
    )
    assert json.loads(result.stdout) == {
        "sweep-faxes": "faxes.sweep",
        "rescue-mail": "faxes.rescue_mail",
        "purge-expired-attachments": "faxes.purge_expired",
        "carrier-watchdog": "faxes.carrier_watchdog",
        "retry-due-webhooks": "faxes.webhooks.retry_due",
    }
