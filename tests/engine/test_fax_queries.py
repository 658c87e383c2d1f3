"""The one lookup path for faxes and faxboxes, and the one time-zone rule of a fax."""

from __future__ import annotations

import pytest
from django.utils import timezone

from faxes.models import Direction, Fax, Faxbox
from faxes.services.callerid import header_for
from faxes.services.cover import cover_page_for
from faxes.services.notify import _when
from tests.factories import AccountFactory, FaxboxFactory, FaxFactory

pytestmark = pytest.mark.django_db


def test_live_inbound_and_outbound_faxes_of_one_account():
    faxbox = FaxboxFactory()
    received = FaxFactory(faxbox=faxbox)
    sent = FaxFactory(faxbox=faxbox, direction=Direction.OUTBOUND, status="delivered")
    FaxFactory(faxbox=faxbox, deleted_at=timezone.now())
    FaxFactory()  # another account's

    mine = Fax.objects.for_account(faxbox.account)
    assert mine.count() == 3
    assert set(mine.live()) == {received, sent}
    assert list(mine.live().inbound()) == [received]
    assert list(mine.live().outbound()) == [sent]


def test_live_faxboxes():
    account = AccountFactory()
    kept = FaxboxFactory(account=account)
    FaxboxFactory(account=account, deleted_at=timezone.now())
    assert list(Faxbox.objects.for_account(account).live()) == [kept]


def test_a_fax_shows_its_times_in_its_own_zone_else_its_faxbox_else_its_account():
    account = AccountFactory(timezone="America/Chicago")
    faxbox = FaxboxFactory(account=account, fax_timezone="Europe/Berlin")
    fax = FaxFactory(
        faxbox=faxbox, direction=Direction.OUTBOUND, status="delivered",
        fax_timezone="Asia/Tokyo", cover={"subject": "Hello"},
        completed_at=timezone.now(),
    )  # fmt: skip
    assert fax.local_timezone == "Asia/Tokyo"
    # Every page and every message about the fax agrees: header line, cover page, e-mail.
    assert header_for(fax).timezone == "Asia/Tokyo"
    assert cover_page_for(fax).timezone == "Asia/Tokyo"
    assert _when(fax).endswith("(Asia/Tokyo)")

    fax.fax_timezone = ""
    assert fax.local_timezone == "Europe/Berlin"
    fax.faxbox = None
    assert fax.local_timezone == "America/Chicago"
