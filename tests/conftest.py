"""Shared fixtures: alice (admin) and bob (viewer) share an account; charlie
has another. A reseller account has a child and the child a grandchild."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Account, Role, User
from accounts.services import create_api_token
from tests.factories import AccountFactory, FaxboxFactory, FaxNumberFactory, UserFactory

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _loopback_only():
    """Tests talk to 127.0.0.1/::1 only: any other connection fails loudly."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        try:
            loopback = ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            loopback = address[0] == "localhost"
        if not loopback:
            raise OSError(f"tests may only connect to loopback, not {address[0]!r}")

    def connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    yield
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex


@pytest.fixture(autouse=True)
def _isolated_files_and_cache(settings, tmp_path):
    """Each test gets its own media folder (encrypted, as configured by default) and an
    in-process cache."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "faxportal.storage.EncryptedFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Locmem data outlives a settings change: start every test with empty
    # counters (login and API rate limits).
    from django.core.cache import cache

    cache.clear()
    # Argon2 is the production hasher (tested on its own); MD5 keeps tests fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # OCR takes seconds a page: only the tests of the text layer turn it on (tests/ocr).
    settings.FAXPORTAL_OCR = False
    yield
    # A request in another language leaves that language active in this thread (as the
    # locale middleware does): the next test starts in the default language again.
    translation.deactivate()


@dataclass
class Tenant:
    account: Account
    admin: User
    viewer: User


@pytest.fixture
def acme(db) -> Tenant:
    account = AccountFactory(name="Acme Clinic")
    alice = UserFactory(username="alice@acme.test", account=account, role=Role.ADMIN)
    bob = UserFactory(username="bob@acme.test", account=account, role=Role.VIEWER)
    FaxboxFactory(account=account, name="Acme front desk")
    return Tenant(account, alice, bob)


@pytest.fixture
def alice(acme) -> User:
    return acme.admin


@pytest.fixture
def bob(acme) -> User:
    return acme.viewer


@pytest.fixture
def other(db) -> Tenant:
    account = AccountFactory(name="Other Pharmacy")
    charlie = UserFactory(username="charlie@other.test", account=account, role=Role.ADMIN)
    viewer = UserFactory(username="dora@other.test", account=account, role=Role.VIEWER)
    FaxboxFactory(account=account, name="Other inbox")
    return Tenant(account, charlie, viewer)


@pytest.fixture
def charlie(other) -> User:
    return other.admin


@dataclass
class ResellerTree:
    reseller: Tenant
    child: Tenant
    grandchild: Account
    sibling: Tenant


@pytest.fixture
def reseller_tree(db) -> ResellerTree:
    def tenant(name: str, parent: Account | None) -> Tenant:
        account = AccountFactory(name=name, parent=parent)
        admin = UserFactory(
            username=f"admin@{account.pk[:8]}.test", account=account, role=Role.ADMIN
        )
        viewer = UserFactory(
            username=f"view@{account.pk[:8]}.test", account=account, role=Role.VIEWER
        )
        FaxboxFactory(account=account, name=f"{name} box")
        return Tenant(account, admin, viewer)

    reseller = tenant("Reseller", None)
    child = tenant("Child", reseller.account)
    grandchild = AccountFactory(name="Grandchild", parent=child.account)
    FaxboxFactory(account=grandchild, name="Grandchild box")
    sibling = tenant("Sibling", reseller.account)
    return ResellerTree(reseller, child, grandchild, sibling)


def token_client(account: Account, scopes: str = "fax:read,fax:send", header: str = "bearer"):
    """An APIClient authenticated with a fresh API token of ``account``."""
    issued = create_api_token(account, name="test", scopes=scopes)
    client = APIClient()
    if header == "bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    else:
        client.credentials(HTTP_X_AUTH_TOKEN=issued.secret)
    return client


def session_client(user: User):
    client = APIClient()
    client.force_login(user)
    return client


# --- a clinic and a pharmacy, each with a numbered faxbox (engine tests) ---


@pytest.fixture
def clinic(db):
    account = AccountFactory(name="Clinic", timezone="America/New_York")
    faxbox = FaxboxFactory(
        account=account, name="Clinic fax", caller_id="+12025550110", caller_name="Clinic",
        fax_header="Clinic", fax_timezone="America/New_York", max_attempts=3,
        notify_outbound_emails=["outbound@clinic.test"],
    )  # fmt: skip
    FaxNumberFactory(faxbox=faxbox, number="+12025550110")
    return faxbox


@pytest.fixture
def pharmacy(db):
    account = AccountFactory(name="Pharmacy")
    faxbox = FaxboxFactory(
        account=account, name="Pharmacy inbox", notify_inbound_emails=["inbox@pharmacy.test"]
    )
    FaxNumberFactory(faxbox=faxbox, number="+12025550120")
    return faxbox


# --- programs started as a user starts them (manage.py in a subprocess) ---


def embedded_env(data_dir: Path) -> dict[str, str]:
    """This environment without the portal's settings: the embedded defaults (SQLite, the
    filesystem broker) on the data folder ``data_dir``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "CELERY_", "FAXPORTAL_", "DJANGO_"))
    }
    env["FAXPORTAL_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """The SQLite file ``manage.py migrate`` makes on the embedded defaults, made once per
    run; tests that start the portal in a subprocess copy it (``use_migrated_database``)
    instead of migrating a fresh folder each."""
    folder = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT, env=embedded_env(folder), check=True, capture_output=True,
    )  # fmt: skip
    database = folder / "db.sqlite3"
    assert database.exists() and not Path(f"{database}-wal").exists()
    return database


def use_migrated_database(template: Path, data_dir: Path) -> None:
    """Give the data folder ``data_dir`` a migrated database (a copy of ``template``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / "db.sqlite3")
