from __future__ import annotations

import pytest

from faxes import services
from faxes.models import CarrierConfig, Fax
from faxportal.celery import app as celery_app
from tests.carriers.fakes import FakeSignalWire, FakeTelnyx
from tests.factories import text_pdf

BASE_URL = "https://fax.example.test"


@pytest.fixture(autouse=True)
def eager_celery(settings):
    """Tasks run inline when their on-commit hook fires (as in tests/engine)."""
    celery_app.conf.task_always_eager = True
    settings.FAXPORTAL_RETRY_DELAY = 60
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def carrier_settings(settings):
    settings.FAXPORTAL_BASE_URL = BASE_URL
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True  # the fakes live on 127.0.0.1
    settings.FAXPORTAL_CARRIER_HTTP_TIMEOUT = 5
    for name in (
        "SIGNALWIRE_SPACE_URL",
        "SIGNALWIRE_PROJECT_ID",
        "SIGNALWIRE_API_TOKEN",
        "SIGNALWIRE_SIGNING_KEY",
        "SIGNALWIRE_FROM_NUMBER",
        "TELNYX_API_KEY",
        "TELNYX_PUBLIC_KEY",
        "TELNYX_CONNECTION_ID",
        "TELNYX_FROM_NUMBER",
    ):
        setattr(settings, f"FAXPORTAL_{name}", "")


@pytest.fixture
def signalwire():
    fake = FakeSignalWire()
    yield fake
    fake.stop()


@pytest.fixture
def telnyx():
    fake = FakeTelnyx()
    yield fake
    fake.stop()


def signalwire_config(account, fake: FakeSignalWire, **extra) -> CarrierConfig:
    values = {
        "api_url": fake.url,
        "project_id": fake.project_id,
        "api_token": fake.api_token,
        "signing_key": fake.signing_key,
        **extra,
    }
    return CarrierConfig.objects.create(account=account, transport="signalwire", **values)


def telnyx_config(account, fake: FakeTelnyx, **extra) -> CarrierConfig:
    values = {
        "api_url": fake.url,
        "api_token": fake.api_key,
        "public_key": fake.public_key,
        "connection_id": fake.connection_id,
        **extra,
    }
    return CarrierConfig.objects.create(account=account, transport="telnyx", **values)


@pytest.fixture
def live_base(live_server, settings) -> str:
    """The portal over real HTTP, at the address carriers are told (FAXPORTAL_BASE_URL)."""
    settings.FAXPORTAL_BASE_URL = live_server.url
    return live_server.url


def send(faxbox, to: str = "+13125550177", pages: int = 1, **kwargs) -> Fax:
    result = services.submit_fax(
        account=faxbox.account,
        faxbox=faxbox,
        recipients=[to],
        documents=[services.UploadedFile(text_pdf(pages), "doc.pdf")],
        **kwargs,
    )
    return Fax.objects.get(pk=result.faxes[0].pk)


@pytest.fixture(scope="session")
def fax_tiff() -> bytes:
    """A one-page fax TIFF, as a carrier delivers a received fax."""
    import io

    from faxes.documents import RenderOptions, render_fax_tiff

    out = io.BytesIO()
    render_fax_tiff(text_pdf(1, "Received fax"), out, RenderOptions(header=None))
    return out.getvalue()
