"""Signed callbacks whose numbers are not what the carrier documents: a clear answer, no 500.

A valid signature proves who sent a callback, not that its fields have the documented
types, so page counts and durations are read defensively.
"""

from __future__ import annotations

import pytest

from faxes.carriers import common as carriers
from faxes.carriers.signalwire.transport import status_from as signalwire_status
from faxes.carriers.telnyx.transport import status_from as telnyx_status
from faxes.models import FaxStatus
from tests.carriers import test_callbacks
from tests.carriers.test_callbacks import post_signalwire, telnyx_post

sending_sw = test_callbacks.sending_sw  # fixtures: a fax being sent through each carrier
sending_tx = test_callbacks.sending_tx

S = FaxStatus
ODD_NUMBERS = ["abc", "inf", "nan", "-5", "1e400", "99999999999999999999999", [1], {"a": 1}, None]


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_read_as_zero_or_bounded(value):
    assert 0 <= carriers.as_count(value) <= 2**31 - 1
    assert carriers.as_seconds(value) >= 0
    assert carriers.as_count(10**400) == 0
    assert carriers.as_count("3") == 3 and carriers.as_count(2.0) == 2
    assert carriers.as_seconds("12.5") == 12.5


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_status_readers_never_raise_on_odd_numbers(value):
    sw = signalwire_status({"FaxSid": "FX1", "FaxStatus": "delivered", "NumPages": value})
    assert sw.result is not None and sw.result.pages_sent >= 0
    tx = telnyx_status("f1", "failed", {"page_count": value, "call_duration_secs": value})
    assert tx.result is not None and tx.result.pages_sent >= 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", ["abc", 10**30, "1e400", -3, [1]])
def test_telnyx_event_with_odd_page_count_is_applied(sending_tx, telnyx, value):
    config, fax, fax_id = sending_tx
    body = telnyx.envelope(
        "fax.delivered",
        {
            "fax_id": fax_id,
            "direction": "outbound",
            "status": "delivered",
            "page_count": value,
            "call_duration_secs": value,
            "client_state": telnyx.faxes[fax_id]["client_state"],
        },
    )
    answer = telnyx_post(telnyx, config, body)
    assert answer.status_code == 200 and answer.json() == {"status": "applied"}
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", ["inf", "-5", "99999999999999999999999"])
def test_signalwire_callback_with_odd_page_count_is_applied(sending_sw, signalwire, value):
    _, fax, sid, url = sending_sw
    params = {"FaxSid": sid, "FaxStatus": "delivered", "NumPages": value, "duration": value}
    answer = post_signalwire(url, params, signalwire.signing_key)
    assert answer.status_code == 200
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED
