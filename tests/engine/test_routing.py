"""One router answers "which faxbox owns this number, and may it receive" for every path."""

from __future__ import annotations

import pytest
from django.utils import timezone

from faxes import routing
from faxes.models import InboundRefusal
from faxes.services import UnroutableNumber, receive_fax
from faxes.services.carrier_events import _owner
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db


def test_route_of_an_owned_number_in_any_spelling(pharmacy):
    destination = routing.route("(202) 555-0120")
    assert destination.may_receive and destination.called == "+12025550120"
    assert destination.owner.faxbox == pharmacy
    assert routing.account_owning("202-555-0120") == pharmacy.account


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("disable", routing.DISABLED),
        ("delete", routing.UNOWNED),
        ("invalid", routing.INVALID),
    ],
)
def test_every_inbound_path_gives_the_same_answer(pharmacy, change, refusal):
    number = "+12025550120"
    if change == "disable":
        pharmacy.account.enabled = False
        pharmacy.account.save()
    elif change == "delete":
        pharmacy.deleted_at = timezone.now()
        pharmacy.save()
    else:
        number = "not a number"
    assert routing.route(number).refusal == refusal
    assert _owner(number) is None  # carriers: not announced as ours
    with pytest.raises(UnroutableNumber):
        receive_fax(
            to_number=number, from_number="+12025550110", data=text_pdf(1),
            transport="test", carrier_fax_id=f"r-{change}",
        )  # fmt: skip
    assert InboundRefusal.objects.get(carrier_fax_id=f"r-{change}").reason == refusal
