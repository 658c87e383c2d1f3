"""Fixtures of the native API tests: fresh rate-limit counters, a fake DNS, faxes with files."""

from __future__ import annotations

import ipaddress
import socket
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from faxes import net
from faxes.models import Direction, Fax, FaxStatus
from faxportal.celery import app as celery_app
from tests.factories import FaxboxFactory, FaxFactory, text_pdf

# Host names the tests use, and what the fake resolver answers for them.
FAKE_DNS = {
    "localhost": ["127.0.0.1"],
    "hooks.example.com": ["93.184.216.34"],
    "docs.example.com": ["93.184.216.34"],
    "internal.example.com": ["10.0.0.5"],
    "mixed.example.com": ["93.184.216.34", "192.168.1.10"],
}
TIFF_BYTES = b"II*\x00" + b"\x00" * 60


@pytest.fixture(autouse=True)
def _fresh_counters_and_fake_dns(monkeypatch):
    """Rate-limit counters start at zero (the locmem cache outlives a test), and no
    test ever asks a real DNS server: unknown names do not resolve."""

    def resolve(host: str, port: int) -> list[str]:
        if host in FAKE_DNS:
            return list(FAKE_DNS[host])
        raise socket.gaierror(socket.EAI_NONAME, "unknown host")

    monkeypatch.setattr("faxes.net.resolve_host", resolve)
    # And never a connection beyond this machine, whatever a test gets wrong.
    real_connect = net._connect

    def loopback_only(ips: list[str], port: int, timeout: float):
        outside = [ip for ip in ips if not ipaddress.ip_address(ip).is_loopback]
        if outside:
            raise AssertionError(f"a test tried to connect to {outside}")
        return real_connect(ips, port, timeout)

    monkeypatch.setattr("faxes.net._connect", loopback_only)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def eager_celery(settings):
    """Tasks run inline when their on-commit hook fires (as in tests/engine)."""
    celery_app.conf.task_always_eager = True
    settings.FAXPORTAL_RETRY_DELAY = 60
    yield
    celery_app.conf.task_always_eager = False


PDF = text_pdf(1)


def inbound_fax(account, *, minutes_ago: int = 0, files: bool = True, **fields) -> Fax:
    """A received fax of ``account`` with a stored PDF and TIFF."""
    faxbox = fields.pop("faxbox", None) or FaxboxFactory(account=account)
    fields.setdefault("status", FaxStatus.RECEIVED)
    fax = FaxFactory(account=account, faxbox=faxbox, direction=Direction.INBOUND, **fields)
    if files:
        fax.document.save("fax.pdf", ContentFile(PDF), save=False)
        fax.tiff.save("fax.tiff", ContentFile(TIFF_BYTES), save=False)
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    fax.completed_at = moment
    fax.save()
    Fax.objects.filter(pk=fax.pk).update(created_at=moment)
    fax.refresh_from_db()
    return fax


def outbound_fax(account, *, minutes_ago: int = 0, **fields) -> Fax:
    faxbox = fields.pop("faxbox", None) or FaxboxFactory(account=account)
    fields.setdefault("status", FaxStatus.DELIVERED)
    fields.setdefault("to_number", "+14155551234")
    fields.setdefault("from_number", "+12025550110")
    fax = FaxFactory(account=account, faxbox=faxbox, direction=Direction.OUTBOUND, **fields)
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    Fax.objects.filter(pk=fax.pk).update(created_at=moment)
    fax.refresh_from_db()
    return fax


# The local webhook receiver (tests/api_v1/hookserver.py).
from tests.api_v1.hookserver import hook_server  # noqa: E402, F401
