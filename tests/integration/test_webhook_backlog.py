"""A backlog of webhook deliveries on a real broker never holds up fax work."""

from __future__ import annotations

import pytest
from django.db import close_old_connections

from faxes import services
from faxes.models import Fax, FaxStatus, WebhookDelivery
from faxes.services import webhooks
from tests.api_v1.conftest import inbound_fax
from tests.api_v1.hookserver import hook_server  # noqa: F401 - fixture
from tests.factories import text_pdf
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BACKLOG = 40


def test_a_fax_is_sent_while_a_webhook_backlog_waits(
    clinic,
    pharmacy,
    hook_server,  # noqa: F811 - the fixture imported above
    portal_processes,
    redis_broker,
    monkeypatch,
):
    hook_server.script = [(-3, b"")]  # every delivery runs into its 1 s timeout
    webhooks.create_endpoint(pharmacy.account, url=hook_server.url, events=["fax.received"])
    received = inbound_fax(pharmacy.account)
    for _ in range(BACKLOG):  # each enqueued on commit, ahead of the fax
        webhooks.record_status_change(
            fax_id=received.pk, account_id=pharmacy.account_id, from_status="", to_status="received"
        )
    fax = services.submit_fax(
        account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
        documents=[services.UploadedFile(text_pdf(1), "a.pdf")],
    ).faxes[0]  # fmt: skip

    group = portal_processes(FAXPORTAL_FETCH_ALLOW_LOOPBACK="1", FAXPORTAL_WEBHOOK_TIMEOUT="1")
    group.start("worker", "worker", "--loglevel", "INFO", "--concurrency", "1",
                "--queues", "celery,webhooks", "--without-gossip", "--without-mingle",
                "--without-heartbeat")  # fmt: skip

    def delivered() -> bool:
        close_old_connections()
        return Fax.objects.get(pk=fax.pk).status == FaxStatus.DELIVERED

    wait_until(delivered, 180, "the fax delivered")  # a loaded machine starts workers slowly
    untried = WebhookDelivery.objects.filter(event="fax.received", attempts=0).count()
    # In one queue the fax would have waited for all 40 (40 s of timeouts).
    assert untried >= BACKLOG // 2, f"only {untried} deliveries were still waiting"
    wait_until(lambda: len(hook_server.requests) >= 2, 30, "the backlog being worked on")
