"""The README's sandbox number table is what the loopback does: each number, sent a fax
through /api/v1 and the worker, ends with the code and the retry behaviour the table lists."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from faxes import failures
from faxes.carriers.loopback import transport as loopback
from faxes.models import Fax, FaxStatus
from tests.conftest import token_client
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)
README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(\+1500555\d{4})` \| (.+) \| (\d+) \|$")


def readme_table() -> list[tuple[str, str, int]]:
    rows = [ROW.match(line) for line in README.read_text().splitlines()]
    return [(m[1], m[2], int(m[3])) for m in rows if m]


def send(faxbox, number: str, **extra) -> Fax:
    body = {"to": number, "data": base64.b64encode(text_pdf(2)).decode(), "retries": 2, **extra}
    response = token_client(faxbox.account, "fax:send").post(
        "/api/v1/faxes/send", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return Fax.objects.get(pk=response.json()["fax"]["sid"])


def test_the_table_lists_every_sandbox_number():
    assert {number for number, _, _ in readme_table()} == loopback.SANDBOX_NUMBERS


@pytest.mark.parametrize(("number", "outcome", "code"), readme_table())
def test_each_sandbox_number_does_what_the_readme_says(clinic, number, outcome, code):
    fax = send(clinic, number)
    attempt = fax.attempts.get()
    if code == 0:
        assert fax.status == FaxStatus.DELIVERED and attempt.result_code == 0
        return
    assert fax.error_code == attempt.result_code == code, fax.error_message
    expected = FaxStatus.RETRYING if "(retried)" in outcome else FaxStatus.FAILED
    assert "(retried)" in outcome or "(permanent)" in outcome
    assert fax.status == expected, fax.error_message
    assert failures.for_fax(fax, attempt).retryable == (expected == FaxStatus.RETRYING)


def test_the_noisy_line_is_a_training_failure_not_a_dropped_call(clinic):
    fax = send(clinic, loopback.NOISY_LINE)
    attempt = fax.attempts.get()
    assert attempt.details["modem_tested"] is True and attempt.pages_sent == 0
    assert failures.for_fax(fax, attempt).code == "t30_training_failed"
    assert fax.error_code != 5149


def test_in_t38_mode_the_noisy_line_fails_training_too(clinic, settings):
    settings.FAXPORTAL_LOOPBACK_MODE = "t38"
    fax = send(clinic, loopback.NOISY_LINE)
    attempt = fax.attempts.get()
    assert fax.status == FaxStatus.RETRYING and attempt.details["mode"] == "t38"
    assert fax.error_code == 5114
    assert failures.for_fax(fax, attempt).code == "t30_training_failed"


def test_not_a_fax_number_is_the_not_a_fax_machine_failure(clinic):
    fax = send(clinic, loopback.NOT_A_FAX)
    assert failures.for_fax(fax).code == "not_a_fax_machine"
