"""receive_fax with malformed input: a typed refusal or rejection, never a crash or a lost fax."""

from __future__ import annotations

import pytest

from faxes.documents import DocumentRejected
from faxes.models import Fax, InboundRefusal
from faxes.services import UnroutableNumber
from tests.engine.test_inbound import receive

pytestmark = pytest.mark.django_db(transaction=True)


def test_faxes_without_a_carrier_id_are_each_filed(pharmacy):
    first = receive(carrier_fax_id="")
    second = receive(carrier_fax_id="")
    assert first.pk != second.pk
    assert Fax.objects.filter(direction="inbound").count() == 2


@pytest.mark.parametrize("carrier_fax_id", [None, 42, "x" * 129])
def test_malformed_carrier_id_is_refused_and_logged(pharmacy, carrier_fax_id):
    with pytest.raises(UnroutableNumber):
        receive(carrier_fax_id=carrier_fax_id)
    assert InboundRefusal.objects.get().reason == "malformed carrier fax id"
    assert not Fax.objects.exists()


@pytest.mark.parametrize("data", [None, "text", 123])
def test_non_binary_document_is_rejected(pharmacy, data):
    with pytest.raises(DocumentRejected):
        receive(data=data)
    assert not Fax.objects.exists()


@pytest.mark.parametrize("to_number", [None, "", 5])
def test_missing_or_odd_called_number_is_refused(pharmacy, to_number):
    with pytest.raises(UnroutableNumber):
        receive(to_number=to_number)
    assert InboundRefusal.objects.count() == 1


def test_missing_optional_fields_are_tolerated(pharmacy):
    fax = receive(from_number=None, remote_station_id=None)
    assert fax.from_number == "" and fax.remote_station_id == ""


def test_phone_helpers_take_any_json_value():
    from django.core.exceptions import ValidationError

    from faxes.phone import normalize_all, normalize_e164

    assert normalize_e164(12025550120) == "+12025550120"
    with pytest.raises(ValidationError):
        normalize_e164(["+12025550120"])
    numbers, errors = normalize_all(["+12025550120", "2025550120", "nope", None])
    assert numbers == ["+12025550120"] and len(errors) == 2
