"""Tasks beside their services, sent on commit through the one base task class."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from faxes import tasks
from faxes.backoff import backoff
from faxportal.celery import PortalTask, app

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = {
    "faxes.process_fax", "faxes.sweep", "faxes.purge_expired", "faxes.notify_inbound",
    "faxes.notify_outbound", "faxes.make_receipt", "faxes.webhooks.deliver",
    "faxes.webhooks.retry_due", "faxes.carrier_download_inbound", "faxes.carrier_watchdog",
    "faxes.download_receiving", "faxes.ocr_fax", "faxes.process_mail", "faxes.rescue_mail",
}  # fmt: skip


def test_every_task_is_registered_by_its_stable_name_on_the_portal_base():
    app.loader.import_default_modules()
    assert set(app.tasks) >= NAMES
    for name in NAMES:
        assert isinstance(app.tasks[name], PortalTask), name
    assert {getattr(tasks, n).name for n in tasks.__all__} == NAMES


def test_delay_on_commit_sends_after_the_commit_and_never_on_rollback(monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(tasks.process_fax_task, "delay", sent.append)
    with transaction.atomic():
        tasks.process_fax_task.delay_on_commit("kept")
        assert sent == []
    assert sent == ["kept"]
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.process_fax_task.delay_on_commit("rolled back")
        raise RuntimeError
    assert sent == ["kept"]


def test_an_unreachable_broker_is_logged_and_the_fallback_runs(monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.notify_inbound_task, "delay", broker_down)
    lost: list[bool] = []
    with caplog.at_level(logging.ERROR), transaction.atomic():
        tasks.notify_inbound_task.delay_on_commit("f1", if_lost=lambda: lost.append(True))
    assert lost == [True]
    assert "could not enqueue faxes.notify_inbound('f1',)" in caplog.text
    assert tasks.notify_inbound_task.delay_safely("f2") is False


def test_one_backoff_doubles_up_to_its_cap():
    waits = [backoff(n, 30, 3600, jitter=0).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    jittered = backoff(1, 100, 3600).total_seconds()
    assert 90 <= jittered <= 110
