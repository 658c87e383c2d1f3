"""Carrier configuration: which transport a fax takes, credentials, admin, settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from faxes import services
from faxes.carriers import common as carriers
from faxes.carriers import get_transport, transport_for, transport_names
from faxes.carriers.base import Transport
from faxes.models import CarrierConfig, Fax, FaxStatus
from tests.carriers.conftest import send, signalwire_config, telnyx_config
from tests.factories import AccountFactory, FaxboxFactory, FaxFactory

ROOT = Path(__file__).resolve().parents[2]


def test_registry_knows_the_carriers():
    assert transport_names() == ["loopback", "signalwire", "telnyx"]
    for name in ("signalwire", "telnyx"):
        transport = get_transport(name)
        # callbacks, cancel, inbound and polls: every method the engine calls is the carrier's own
        assert transport.reports_later
        for method in ("cancel", "fetch_status", "media_auth", "parse_callback"):
            assert getattr(type(transport), method) is not getattr(Transport, method), method


@pytest.mark.django_db
def test_transport_for_nearest_configuration_wins(signalwire, telnyx, settings):
    settings.FAXPORTAL_TRANSPORT = "loopback"
    reseller = AccountFactory(name="Reseller")
    child = AccountFactory(name="Child", parent=reseller)
    grandchild = AccountFactory(name="Grandchild", parent=child)
    box = FaxboxFactory(account=grandchild)
    other_box = FaxboxFactory(account=grandchild)
    assert transport_for(grandchild, box) == "loopback"
    signalwire_config(reseller, signalwire)
    assert transport_for(grandchild, box) == "signalwire"  # inherited from the reseller
    telnyx_config(child, telnyx)
    assert transport_for(grandchild, box) == "telnyx"  # the nearer ancestor
    CarrierConfig.objects.create(account=grandchild, faxbox=box, transport="loopback")
    assert transport_for(grandchild, box) == "loopback"  # the faxbox's own
    assert transport_for(grandchild, other_box) == "telnyx"
    CarrierConfig.objects.filter(account=child).update(enabled=False)
    assert transport_for(grandchild, other_box) == "signalwire"
    # Settings of a transport come from the nearest configuration *of that transport*.
    assert carriers.settings_for("signalwire", grandchild, box).account_id == reseller.pk


@pytest.mark.django_db
def test_blank_credentials_fall_back_to_the_environment(clinic, settings):
    settings.FAXPORTAL_SIGNALWIRE_API_TOKEN = "from-secret-file"
    settings.FAXPORTAL_SIGNALWIRE_SIGNING_KEY = "signing-from-env"
    config = CarrierConfig.objects.create(
        account=clinic.account,
        transport="signalwire",
        api_url="https://x.signalwire.com/",
        project_id="p1",
    )
    found = carriers.settings_for("signalwire", clinic.account, clinic)
    assert found.key == config.pk and found.api_token == "from-secret-file"
    assert found.api_url == "https://x.signalwire.com" and found.signing_key == "signing-from-env"
    assert "from-secret-file" not in repr(found)  # secrets stay out of logs and tracebacks


@pytest.mark.django_db
def test_serves_number_keeps_tenants_apart(clinic, pharmacy, telnyx):
    config = carriers.from_config(telnyx_config(clinic.account, telnyx))
    assert config.serves_number(clinic.numbers.get())
    assert not config.serves_number(pharmacy.numbers.get())
    box_only = telnyx_config(pharmacy.account, telnyx, faxbox=pharmacy)
    assert carriers.from_config(box_only).serves_number(pharmacy.numbers.get())
    assert carriers.from_environment("telnyx").serves_number(pharmacy.numbers.get())


@pytest.mark.django_db(transaction=True)
def test_submit_resubmit_and_forward_take_the_configured_transport(clinic, telnyx):
    telnyx_config(clinic.account, telnyx)
    fax = send(clinic)
    assert fax.transport == "telnyx"
    Fax.objects.filter(pk=fax.pk).update(status=FaxStatus.FAILED)
    fax.refresh_from_db()
    assert services.resubmit_fax(fax).transport == "telnyx"
    inbound = FaxFactory(faxbox=clinic, account=clinic.account)
    inbound.document.save("fax.pdf", ContentFile(b"%PDF-1.4 x"), save=True)
    assert services.forward_fax(inbound, to_number="+13125550177").transport == "telnyx"


@pytest.mark.django_db
def test_secrets_are_encrypted_at_rest(clinic, signalwire):
    config = signalwire_config(clinic.account, signalwire)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT api_token, signing_key FROM faxes_carrierconfig WHERE id = %s", [config.pk]
        )
        token, key = cursor.fetchone()
    assert signalwire.api_token not in token and signalwire.signing_key not in key
    config.refresh_from_db()
    assert config.api_token == signalwire.api_token


@pytest.mark.django_db
def test_model_validation(clinic, pharmacy):
    config = CarrierConfig(account=clinic.account, faxbox=pharmacy, transport="telnyx")
    with pytest.raises(Exception, match="another account"):
        config.full_clean()
    config = CarrierConfig(account=clinic.account, transport="telnyx", from_number="(202) 555-0110")
    config.full_clean()
    assert config.from_number == "+12025550110"


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    root = User.objects.create_superuser("root", "root@example.com", "root-password-123")
    client = Client()
    client.force_login(root)
    return client


@pytest.mark.django_db
def test_admin_never_shows_secrets_back(admin_client, clinic, signalwire):
    config = signalwire_config(clinic.account, signalwire)
    change = reverse("admin:faxes_carrierconfig_change", args=[config.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert signalwire.api_token not in html and signalwire.signing_key not in html
    assert "stored (…-xyz)" in html  # the last four characters, to tell keys apart
    assert "Complete." in html and "FAXPORTAL_BASE_URL is" not in html
    assert f"/hooks/signalwire/{config.pk}/incoming" in html  # what to paste at SignalWire
    assert "+12025550110" in html  # the numbers it receives for
    for url in ("admin:faxes_carrierconfig_changelist", "admin:faxes_carrierconfig_add"):
        assert admin_client.get(reverse(url)).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:faxes_carrierconfig_changelist"), {"q": "Clinic"}
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_admin_edit_keeps_or_clears_secrets(admin_client, clinic, signalwire):
    config = signalwire_config(clinic.account, signalwire)
    change = reverse("admin:faxes_carrierconfig_change", args=[config.pk])
    form = {
        "account": clinic.account.pk,
        "faxbox": "",
        "transport": "signalwire",
        "enabled": "on",
        "api_url": signalwire.url,
        "project_id": "proj-2",
        "api_token": "",
        "signing_key": "",
        "public_key": "",
        "connection_id": "",
        "from_number": "",
    }
    answer = admin_client.post(change, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    config.refresh_from_db()
    assert config.project_id == "proj-2" and config.api_token == signalwire.api_token
    answer = admin_client.post(
        change, {**form, "api_token": "new-token", "clear_signing_key": "on"}
    )
    assert answer.status_code == 302
    config.refresh_from_db()
    assert config.api_token == "new-token" and config.signing_key == ""


@pytest.mark.django_db
def test_admin_add_checks_the_faxbox_account(admin_client, clinic, pharmacy):
    answer = admin_client.post(
        reverse("admin:faxes_carrierconfig_add"),
        {
            "account": clinic.account.pk,
            "faxbox": pharmacy.pk,
            "transport": "telnyx",
            "enabled": "on",
            "api_url": "",
            "project_id": "",
            "api_token": "k",
            "signing_key": "",
            "public_key": "",
            "connection_id": "c",
            "from_number": "",
        },
    )
    assert answer.status_code == 200 and "belongs to another account" in answer.content.decode()
    assert not CarrierConfig.objects.exists()


# --- settings -----------------------------------------------------------------------------------


def _load(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE", "CELERY", "FAXPORTAL", "DJANGO"))
    }
    clean.update(
        {"FAXPORTAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "faxportal.settings", **env}
    )
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.FAXPORTAL_TELNYX_API_KEY, settings.FAXPORTAL_SIGNALWIRE_SPACE_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_carrier_settings_from_env_and_secret_files(tmp_path):
    secret = tmp_path / "telnyx_key"
    secret.write_text("KEY-from-file\n")
    loaded = _load(
        tmp_path,
        FAXPORTAL_TRANSPORT="telnyx",
        FAXPORTAL_TELNYX_API_KEY_FILE=str(secret),
        FAXPORTAL_SIGNALWIRE_SPACE_URL="https://acme.signalwire.com/",
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["KEY-from-file", "https://acme.signalwire.com"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FAXPORTAL_TRANSPORT": "twilio"}, "FAXPORTAL_TRANSPORT must be"),
        ({"FAXPORTAL_SIGNALWIRE_SPACE_URL": "ftp://x"}, "FAXPORTAL_SIGNALWIRE_SPACE_URL"),
        ({"FAXPORTAL_TELNYX_SIGNATURE_TOLERANCE": "5"}, "FAXPORTAL_TELNYX_SIGNATURE_TOLERANCE"),
    ],
)
def test_bad_carrier_settings_stop_startup(tmp_path, env, message):
    loaded = _load(tmp_path, **env)
    assert loaded.returncode != 0 and message in loaded.stderr
