"""No fax stays "sending": whatever the delivery path raises ends the attempt, permanently
or to be retried, with a message the failure table explains."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from faxes import failures, modem, services
from faxes.carriers.base import TransportError
from faxes.documents import DocumentRejected, RejectionCode
from faxes.models import Fax, FaxStatus
from faxes.services import inbound
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def send(faxbox, to="+12025550120") -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to], max_attempts=2,
        documents=[services.UploadedFile(text_pdf(1), "doc.pdf")],
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


def assert_ended(fax: Fax, status: str, failure: str) -> None:
    assert fax.status == status, fax.error_message
    attempt = fax.attempts.get()
    assert attempt.ended_at is not None and attempt.success is False
    assert fax.error_message
    assert failures.for_fax(fax, attempt).code == failure
    # Nothing left for the sweeper to rescue, however late it runs.
    assert services.sweep(now=timezone.now() + timedelta(days=1))["rescued"] == 0


def test_a_number_of_a_disabled_account_fails_at_once_and_for_good(clinic, pharmacy):
    pharmacy.account.enabled = False
    pharmacy.account.save()
    fax = send(clinic)
    assert_ended(fax, S.FAILED, "recipient_disabled")
    assert fax.attempt_count == 1
    assert not Fax.objects.filter(direction="inbound").exists()


def test_an_account_disabled_during_the_call_ends_the_fax(clinic, pharmacy, monkeypatch):
    real = inbound.receive_fax

    def disabled_meanwhile(**kwargs):
        pharmacy.account.enabled = False
        pharmacy.account.save()
        return real(**kwargs)

    monkeypatch.setattr(inbound, "receive_fax", disabled_meanwhile)
    fax = send(clinic)  # the inbox refuses it: UnroutableNumber from receive_fax
    assert_ended(fax, S.FAILED, "recipient_disabled")
    assert "disabled" in fax.error_message


RAISED = [
    (TransportError("busy", permanent=False), S.RETRYING, "busy"),
    (TransportError("invalid fax number", permanent=True), S.FAILED, "number_not_in_service"),
    (inbound.UnroutableNumber("no faxbox owns this number"), S.FAILED, "not_routable"),
    (inbound.UnroutableNumber("the account is disabled"), S.FAILED, "recipient_disabled"),
    (DocumentRejected(RejectionCode.CORRUPT, "“received.tiff” could not be read."), S.FAILED,
     "document_corrupt"),
    (modem.ModemUnavailable("libspandsp.so.2: cannot open"), S.RETRYING, "portal_error"),
    (modem.ModemLibraryMismatch("missing t30_terminate"), S.RETRYING, "portal_error"),
    (modem.ModemSetupError("fax_init returned NULL"), S.RETRYING, "portal_error"),
    (ValueError("noise_dbm0 applies to audio modes only"), S.RETRYING, "portal_error"),
    (OSError(28, "No space left on device"), S.RETRYING, "portal_error"),
    (MemoryError("awgn_init_dbm0 failed"), S.RETRYING, "portal_error"),
    (IntegrityError("UNIQUE constraint failed"), S.RETRYING, "portal_error"),
    (RuntimeError("anything else"), S.RETRYING, "portal_error"),
]  # fmt: skip


@pytest.mark.parametrize(("error", "status", "failure"), RAISED, ids=lambda v: type(v).__name__)
def test_every_error_of_the_delivery_path_ends_the_attempt(
    clinic, pharmacy, monkeypatch, error, status, failure
):
    def raises(*args, **kwargs):
        raise error

    # Raised where the loopback delivers: inside the modem call.
    monkeypatch.setattr(modem, "transmit", raises)
    fax = send(clinic)
    assert_ended(fax, status, failure)


@pytest.mark.parametrize(("error", "status", "failure"), RAISED, ids=lambda v: type(v).__name__)
def test_errors_while_filing_the_received_fax_end_the_attempt_too(
    clinic, pharmacy, monkeypatch, error, status, failure
):
    def raises(**kwargs):
        raise error

    monkeypatch.setattr(inbound, "receive_fax", raises)
    fax = send(clinic)
    assert_ended(fax, status, failure)


def test_a_retried_internal_error_fails_the_fax_once_the_retries_are_spent(
    clinic, pharmacy, monkeypatch
):
    def raises(*args, **kwargs):
        raise RuntimeError("still broken")

    monkeypatch.setattr(modem, "transmit", raises)
    fax = send(clinic)
    for _ in range(2):
        services.sweep(now=fax.next_attempt_at + timedelta(seconds=1))
        fax.refresh_from_db()
    assert fax.status == S.FAILED and fax.attempt_count == 2
    assert "RuntimeError: still broken" in fax.error_message
