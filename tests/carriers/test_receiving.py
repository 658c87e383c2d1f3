"""A carrier's received fax has its ``receiving`` row from the announcement on.

Through the real callbacks (live server, fake carriers): a download whose message the broker
lost leaves a row the inbox shows and the sweeper files; a repeated announcement makes no
second row; a download that keeps failing ends the row as an inbound refusal.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from accounts.kazoo_auth import regenerate_api_key
from accounts.models import Role
from faxes import services
from faxes.models import Fax, FaxEvent, FaxStatus, InboundRefusal
from faxes.services import receiving
from tests.carriers.conftest import signalwire_config, telnyx_config
from tests.conftest import session_client, token_client
from tests.factories import UserFactory
from tests.kazoo.conftest import Kazoo

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


@pytest.fixture
def broker_down(monkeypatch):
    """The broker refuses every download message (as when Redis is unreachable)."""

    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(receiving.download_receiving_task, "delay", refuse)
    return monkeypatch


def _kazoo(account) -> Kazoo:
    client = Kazoo()
    status, body = client.json("PUT", "/v2/api_auth", {"api_key": regenerate_api_key(account)})
    assert status == 201, body
    client.token = body["auth_token"]
    return client


def _later(seconds: int) -> timezone.datetime:
    return timezone.now() + timedelta(seconds=seconds + 1)


def _announce(telnyx, config, fax_tiff, **kwargs) -> tuple[dict, str]:
    url = f"/hooks/telnyx/{config.pk}/events"
    answer, fax_id = telnyx.received(
        settings.FAXPORTAL_BASE_URL + url, to="+12025550110", from_="+13125550100",
        data=fax_tiff, content_type="image/tiff", **kwargs,
    )  # fmt: skip
    assert answer.status == 200
    return json.loads(answer.body), fax_id


def test_a_lost_download_leaves_a_receiving_row_that_the_sweeper_files(
    clinic, telnyx, live_base, fax_tiff, broker_down
):
    clinic.notify_inbound_emails = ["inbound@clinic.test"]
    clinic.save()
    config = telnyx_config(clinic.account, telnyx)
    answer, carrier_id = _announce(telnyx, config, fax_tiff)
    assert answer["status"] == "queued"

    fax = Fax.objects.get(direction="inbound")
    assert fax.status == S.RECEIVING and not fax.document and not telnyx.requests_to("/storage/")
    assert (fax.account, fax.faxbox, fax.carrier_fax_id) == (clinic.account, clinic, carrier_id)
    assert fax.from_number == "+13125550100" and fax.to_number == "+12025550110"
    assert not InboundRefusal.objects.exists()  # nothing is lost: the row holds it

    # The inbox shows it; its page and downloads cope with a fax that has no document yet.
    user = UserFactory(account=clinic.account, role=Role.ADMIN)
    browser = session_client(user)
    inbox = browser.get("/inbox/")
    assert inbox.status_code == 200 and fax.pk in inbox.content.decode()
    assert browser.get(f"/faxes/{fax.pk}/").status_code == 200
    for path in ("fax.pdf", "fax.tiff", "view.pdf", "pages/1.png", "thumbnail.png"):
        assert browser.get(f"/faxes/{fax.pk}/{path}").status_code == 404, path
    # /api/v1 lists received faxes (each one downloadable); a receiving one only on request.
    api = token_client(clinic.account)
    assert api.get("/api/v1/faxes").json()["data"]["faxes"] == []
    [listed] = api.get("/api/v1/faxes?status=receiving").json()["data"]["faxes"]
    assert listed["id"] == fax.pk and listed["status"] == "receiving"
    detail = api.get(f"/api/v1/faxes/{fax.pk}").json()["data"]
    assert detail["status"] == "receiving" and detail["media_url"] is None
    assert api.get(f"/api/v1/faxes/{fax.pk}/download").status_code == 404
    # Kazoo's inbox holds received faxes only; the fax itself is "processing", and what
    # the carrier announced (its media link) is not shown.
    kazoo = _kazoo(clinic.account)
    base = f"/v2/accounts/{clinic.account.pk}/faxes"
    status, body = kazoo.json("GET", f"{base}/inbox")
    assert status == 200 and body["data"] == []
    status, body = kazoo.json("GET", f"{base}/{fax.pk}")
    assert status == 200 and body["data"]["status"] == "processing"
    assert "storage" not in json.dumps(body)

    # The broker is back; the sweeper finds the row overdue and its download files it.
    broker_down.undo()
    assert services.sweep(now=_later(settings.FAXPORTAL_REQUEUE_AFTER))["downloads"] == 1
    fax.refresh_from_db()
    assert fax.status == S.RECEIVED and fax.document and fax.tiff and fax.pages == 1
    assert fax.completed_at is not None and fax.claim_token == "" and fax.next_attempt_at is None
    assert "announcement" not in fax.rx_result and fax.rx_result["carrier"] == "telnyx"
    assert Fax.objects.filter(direction="inbound").count() == 1
    moves = list(FaxEvent.objects.filter(fax=fax).values_list("from_status", "to_status"))
    assert moves == [("", S.RECEIVING), (S.RECEIVING, S.RECEIVED)]
    assert [m.to for m in mail.outbox] == [["inbound@clinic.test"]]
    assert [f["id"] for f in api.get("/api/v1/faxes").json()["data"]["faxes"]] == [fax.pk]
    assert browser.get(f"/faxes/{fax.pk}/fax.pdf").status_code == 200
    status, body = kazoo.json("GET", f"{base}/inbox")
    assert [row["id"].split("-")[-1] for row in body["data"]] == [fax.pk]
    # Nothing left for the sweeper.
    assert services.sweep(now=_later(settings.FAXPORTAL_STUCK_AFTER))["downloads"] == 0


def test_a_repeated_announcement_makes_no_second_row(
    clinic, telnyx, live_base, fax_tiff, broker_down
):
    config = telnyx_config(clinic.account, telnyx)
    _, carrier_id = _announce(telnyx, config, fax_tiff)
    fax = Fax.objects.get(direction="inbound")
    # The carrier announces the same fax again (a new event id, the same fax id).
    payload = {key: telnyx.faxes[carrier_id][key] for key in ("media_url", "to", "from")}
    body = telnyx.envelope(
        "fax.received",
        {"fax_id": carrier_id, "connection_id": telnyx.connection_id, "direction": "inbound",
         "status": "received", "page_count": 1, **payload},
    )  # fmt: skip
    answer = telnyx.post_event(f"{live_base}/hooks/telnyx/{config.pk}/events", body)
    assert answer.status == 200 and json.loads(answer.body)["status"] == "duplicate"
    assert list(Fax.objects.filter(direction="inbound")) == [fax]
    assert FaxEvent.objects.filter(fax=fax).count() == 1


def test_signalwire_redelivery_while_receiving_makes_no_second_row(
    clinic, signalwire, live_base, fax_tiff, broker_down
):
    config = signalwire_config(clinic.account, signalwire)
    incoming = f"{live_base}/hooks/signalwire/{config.pk}/incoming"
    offer = signalwire.offer(incoming, "FXr1", to="+12025550110", from_="+13125550100")
    action = offer.body.decode().split('action="')[1].split('"')[0].replace("&amp;", "&")
    media_path = f"/api/laml/2010-04-01/Accounts/{signalwire.project_id}/Faxes/FXr1/Media/ME1"
    signalwire.media[media_path] = (fax_tiff, "image/tiff")
    params = {
        "FaxSid": "FXr1", "To": "+12025550110", "From": "+13125550100",
        "FaxStatus": "received", "NumPages": "1", "MediaUrl": signalwire.url + media_path,
    }  # fmt: skip
    assert signalwire.post_signed(action, params).status == 200
    cache.clear()  # the redelivery is not recognised by its event id (e.g. another web node)
    assert signalwire.post_signed(action, params).status == 200
    fax = Fax.objects.get(direction="inbound")
    assert fax.status == S.RECEIVING and fax.transport == "signalwire"

    broker_down.undo()
    services.sweep(now=_later(settings.FAXPORTAL_REQUEUE_AFTER))
    fax.refresh_from_db()
    assert fax.status == S.RECEIVED and fax.pages == 1
    assert len(signalwire.requests_to("/Media/ME1")) == 1


def test_a_download_that_never_succeeds_ends_the_row_as_a_refusal(
    clinic, telnyx, live_base, fax_tiff, broker_down
):
    config = telnyx_config(clinic.account, telnyx)
    _, carrier_id = _announce(telnyx, config, fax_tiff)
    fax = Fax.objects.get(direction="inbound")

    # Every try dies with the worker (never a carrier answer): the sweeper sends the
    # download again once the claim runs out, and gives up when the tries are spent.
    def crash(*args, **kwargs):
        raise MemoryError("worker killed")

    broker_down.undo()
    broker_down.setattr(receiving, "fetch_media", crash)
    now = timezone.now()
    for _ in range(receiving.DOWNLOAD_TRIES):
        now += timedelta(seconds=settings.FAXPORTAL_STUCK_AFTER + 1)
        assert services.sweep(now=now)["downloads"] == 1
    fax.refresh_from_db()
    assert fax.status == S.RECEIVING and fax.attempt_count == receiving.DOWNLOAD_TRIES
    now += timedelta(seconds=settings.FAXPORTAL_STUCK_AFTER + 1)
    assert services.sweep(now=now)["downloads"] == 0
    assert not Fax.objects.filter(direction="inbound").exists()
    refusal = InboundRefusal.objects.get()
    assert refusal.carrier_fax_id == carrier_id and "not completed after 9 tries" in refusal.reason
    assert refusal.to_number == "+12025550110"


def test_a_permanent_download_error_ends_the_row_at_once(clinic, telnyx, live_base, fax_tiff):
    config = telnyx_config(clinic.account, telnyx)
    telnyx_media = telnyx.media
    answer, carrier_id = _announce(telnyx, config, fax_tiff, unavailable=True)
    assert answer["status"] == "queued" and telnyx_media
    # Eager Celery ran every try at once; the row is gone, the refusal says why.
    assert not Fax.objects.filter(direction="inbound").exists()
    assert "HTTP 503" in InboundRefusal.objects.get(carrier_fax_id=carrier_id).reason
    assert services.sweep(now=_later(settings.FAXPORTAL_STUCK_AFTER))["downloads"] == 0


def test_another_accounts_user_gets_404_on_a_receiving_fax(
    clinic, charlie, telnyx, live_base, fax_tiff, broker_down
):
    config = telnyx_config(clinic.account, telnyx)
    _announce(telnyx, config, fax_tiff)
    fax = Fax.objects.get(direction="inbound", status=S.RECEIVING)
    browser = session_client(charlie)
    for path in ("", "fax.pdf", "pages/1.png", "thumbnail.png"):
        assert browser.get(f"/faxes/{fax.pk}/{path}").status_code == 404, path
    assert fax.pk not in browser.get("/inbox/").content.decode()
    api = token_client(charlie.account)
    assert api.get(f"/api/v1/faxes/{fax.pk}").status_code == 404
    assert api.get("/api/v1/faxes?status=receiving").json()["data"]["faxes"] == []
