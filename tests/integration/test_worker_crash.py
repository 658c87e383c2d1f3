"""Kill real Celery workers mid-conversion and mid-send: no fax lost, none sent twice."""

from __future__ import annotations

import pytest
from django.db import close_old_connections

from faxes import services
from faxes.models import Fax, FaxEvent, FaxStatus
from tests.factories import text_pdf
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
S = FaxStatus


def statuses(ids) -> dict[str, str]:
    close_old_connections()
    return dict(Fax.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_killed_workers_lose_no_fax_and_send_none_twice(
    clinic, pharmacy, portal_processes, redis_broker, monkeypatch, tmp_path
):
    group = portal_processes(
        FAXPORTAL_STAGE_DELAY="converting=2,sending=2",
        FAXPORTAL_STUCK_AFTER="6",
        FAXPORTAL_REQUEUE_AFTER="3",
        FAXPORTAL_SWEEP_INTERVAL="1",
    )
    beat = group.start("beat", "beat", "--loglevel", "INFO",
                       "--schedule", str(tmp_path / "beat-schedule"))  # fmt: skip
    worker_args = ("worker", "--loglevel", "INFO", "--concurrency", "1", "--without-gossip",
                   "--without-mingle", "--without-heartbeat")  # fmt: skip

    result = services.submit_fax(
        account=clinic.account, faxbox=clinic,
        recipients=["+12025550120"],
        documents=[services.UploadedFile(text_pdf(1), "a.pdf")],
    )  # fmt: skip
    ids = [f.pk for f in result.faxes]
    for _ in range(3):
        more = services.submit_fax(
            account=clinic.account, faxbox=clinic, recipients=["+12025550120"],
            documents=[services.UploadedFile(text_pdf(1), "a.pdf")],
        )  # fmt: skip
        ids.extend(f.pk for f in more.faxes)

    first = group.start("worker1", *worker_args, "-n", "w1@%h")
    wait_until(lambda: S.CONVERTING in statuses(ids).values(), 60, "a fax converting")
    group.kill(first)

    second = group.start("worker2", *worker_args, "-n", "w2@%h")
    wait_until(lambda: S.SENDING in statuses(ids).values(), 90, "a fax sending")
    group.kill(second)

    group.start("worker3", *worker_args, "-n", "w3@%h")
    wait_until(
        lambda: set(statuses(ids).values()) <= {S.DELIVERED, S.FAILED}, 150, "all faxes final"
    )
    assert beat.poll() is None

    assert set(statuses(ids).values()) == {S.DELIVERED}
    reasons = set(FaxEvent.objects.filter(fax_id__in=ids).values_list("reason", flat=True))
    assert "worker lost while converting" in reasons
    assert "worker lost while sending" in reasons
    # Exactly one inbox copy per outbound fax: nothing was sent twice.
    inbound = Fax.objects.filter(direction="inbound", faxbox=pharmacy)
    assert inbound.count() == len(ids)
    assert sorted(inbound.values_list("carrier_fax_id", flat=True)) == sorted(
        f"loopback:{pk}" for pk in ids
    )
    for fax in Fax.objects.filter(pk__in=ids):
        assert fax.attempts.filter(success=True).count() == 1
