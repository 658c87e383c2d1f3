"""One registry of carriers: it feeds the model choices, settings, URLs and the transports;
a carrier is one folder; events are typed; the download task reads messages already queued."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from faxes.carriers import get_transport, registry
from faxes.carriers.base import InboundFax, Transport
from faxes.models import CarrierConfig, Fax
from faxes.services import carrier_events
from tests.carriers.conftest import telnyx_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_registry_feeds_the_model_choices():
    field = CarrierConfig._meta.get_field("transport")
    assert list(field.choices) == registry.CHOICES
    assert registry.NAMES == ("loopback", "signalwire", "telnyx")


@pytest.mark.parametrize("carrier", registry.CARRIERS, ids=lambda c: c.name)
def test_each_carrier_is_one_folder(carrier):
    folder = ROOT / "faxes" / "carriers" / carrier.name
    assert (folder / "transport.py").is_file()
    transport = get_transport(carrier.name)
    assert isinstance(transport, Transport) and transport.name == carrier.name
    assert transport.reports_later == carrier.cloud
    if carrier.cloud:
        for part in ("views.py", "signature.py", "urls.py", "conf.py"):
            assert (folder / part).is_file(), part


def test_callback_paths_stay_where_carriers_are_configured_to_call():
    assert reverse("signalwire-incoming", kwargs={"key": "k1"}) == "/hooks/signalwire/k1/incoming"
    assert (
        reverse("signalwire-status", kwargs={"key": "k1", "token": "t"})
        == "/hooks/signalwire/k1/status/t"
    )
    assert (
        reverse("signalwire-received", kwargs={"key": "k1", "token": "t"})
        == "/hooks/signalwire/k1/received/t"
    )
    assert reverse("telnyx-events", kwargs={"key": "k1"}) == "/hooks/telnyx/k1/events"
    assert reverse("carrier-media", kwargs={"token": "t"}) == "/hooks/media/t/fax.pdf"


def test_the_engine_probes_no_capabilities():
    sources = [p for p in (ROOT / "faxes").rglob("*.py") if "migrations" not in p.parts]
    for path in sources:
        text = path.read_text()
        assert "capabilities" not in text.replace("capabilities,", ""), path  # T.30 prose ok
        assert not re.search(r"getattr\((carrier|transport)\b", text), path


def test_inbound_fax_crosses_the_broker_as_the_same_json():
    fax = InboundFax(
        carrier_fax_id="f1", to="+12025550110", from_="+13125550100", media_url="https://m/x",
        config_key="default", pages=2, remote_station_id="CSI", extra={"a": 1},
    )  # fmt: skip
    wire = json.loads(json.dumps(fax.to_json()))
    assert wire == {
        "carrier_fax_id": "f1",
        "to": "+12025550110",
        "from": "+13125550100",
        "media_url": "https://m/x",
        "pages": 2,
        "remote_station_id": "CSI",
        "config_key": "default",
        "extra": {"a": 1},
    }
    assert InboundFax.from_json(wire) == fax


@pytest.mark.django_db
def test_a_download_message_queued_before_the_refactor_still_files(
    clinic, telnyx, fax_tiff, django_capture_on_commit_callbacks
):
    config = telnyx_config(clinic.account, telnyx)
    path = "/storage/old-message.pdf"
    telnyx.media[path] = (fax_tiff, "image/tiff")
    queued = {  # what accept_inbound put on the broker before InboundFax existed
        "carrier_fax_id": "old-message",
        "to": "+12025550110",
        "from": "+13125550100",
        "media_url": f"{telnyx.storage_url}{path}?X-Amz-Signature=deadbeef",
        "pages": 1,
        "remote_station_id": "",
        "config_key": config.pk,
        "extra": {},
    }
    task = carrier_events.download_inbound_task
    assert task.name == "faxes.carrier_download_inbound"
    # Accepted as an announcement: its receiving row, then the download files it.
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply(args=("telnyx", queued)).get() == "queued"
    filed = Fax.objects.get(direction="inbound")
    assert filed.faxbox == clinic and filed.carrier_fax_id == "old-message"
