"""Failures in words staff understand: the fax page and the outbox explain what went wrong
and what to do, say when the next try is (in the account's time zone), keep the technical
code behind a disclosure, and tell the fax's history without the engine's vocabulary."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import Role
from faxes import services
from faxes.carriers.loopback import transport as loopback
from faxes.models import Fax, FaxStatus
from faxes.services import outbound as engine
from tests.factories import UserFactory, text_pdf
from tests.ui.conftest import login, outbound

pytestmark = pytest.mark.django_db(transaction=True)


def send(faxbox, to: str, pages: int = 1) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to],
        documents=[services.UploadedFile(text_pdf(pages), "doc.pdf")],
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


@pytest.fixture
def clinic_user(clinic):
    return UserFactory(username="sam@clinic.test", account=clinic.account, role=Role.STAFF)


def _disclosure(html: str) -> str:
    found = re.search(r'<details class="failure-technical">(.*?)</details>', html, re.S)
    assert found, "no technical-details disclosure"
    return found.group(1)


def _visible(html: str) -> str:
    return re.sub(r'<details class="failure-technical">.*?</details>', "", html, flags=re.S)


def test_a_retrying_fax_says_why_when_it_tries_again_and_what_to_do(
    eager_celery, clinic, clinic_user
):
    fax = send(clinic, loopback.BUSY)
    assert fax.status == FaxStatus.RETRYING and fax.next_attempt_at
    # Clinic's time zone is America/New_York: the next try is shown in it.
    with timezone.override("America/New_York"):
        local = timezone.localtime(fax.next_attempt_at)
        expected = date_format(local, "H:i T")
    client = login(clinic_user)
    html = client.get(reverse("fax-detail", args=[fax.pk])).content.decode()
    visible = _visible(html)
    assert "The receiving fax line was busy." in visible
    assert "The portal will try again at" in visible and expected in visible
    assert expected.endswith(("EST", "EDT"))
    assert "What to do:" in visible and "tries again by itself" in visible
    assert "Q.850 cause 17" not in visible and "Q.850 cause 17" in _disclosure(html)
    assert 'data-failure="busy"' in html

    rows = client.get(reverse("outbox")).content.decode()
    assert "The receiving fax line was busy." in _visible(rows) and expected in rows
    assert "Q.850 cause 17" in _disclosure(rows)
    assert "Q.850 cause 17" not in _visible(rows)


def test_a_line_cut_mid_fax_names_the_page(eager_celery, clinic, clinic_user):
    fax = send(clinic, loopback.DROPS_AFTER_FIRST_PAGE, pages=3)
    assert fax.status == FaxStatus.RETRYING, fax.error_message
    html = login(clinic_user).get(reverse("fax-detail", args=[fax.pk])).content.decode()
    assert "during page 2" in _visible(html)
    assert re.search(r'data-failure="t30_\w+"', html)
    assert f"T.30 {fax.error_code}" in _disclosure(html)


def test_the_history_speaks_of_the_fax_not_of_workers(eager_celery, clinic, clinic_user):
    fax = send(clinic, loopback.BUSY)
    # A worker that died mid-send: the sweeper starts the fax again.
    Fax.objects.filter(pk=fax.pk).update(
        status=FaxStatus.SENDING, status_changed_at=timezone.now() - timedelta(hours=1)
    )
    engine.sweep()
    html = login(clinic_user).get(reverse("fax-detail", args=[fax.pk])).content.decode()
    history = html[html.index('id="history-title"') :]
    assert "Picked up for sending" in history
    assert "Not delivered this time (the line was busy); waiting to retry" in history
    assert "Interrupted; starting again" in history
    assert "worker" not in history.lower() and "claimed" not in history.lower()


@pytest.mark.parametrize(
    ("code", "message", "failure", "plain"),
    [
        (None, "“scan.pdf” is protected with a password. Please remove the password.",
         "document_encrypted", "protected with a password"),
        (None, "could not retrieve file, HTTP response 404", "fetch_refused",
         "answered with an error"),
        (5111, "far end cannot receive at the resolution of the image",
         "t30_resolution_unsupported", "resolution set to standard"),
        (1, "invalid fax number: +15005550006", "number_not_in_service", "Check the fax number"),
    ],
)  # fmt: skip
def test_a_failed_fax_explains_each_kind_of_failure(acme_box, alice, code, message, failure, plain):
    fax = outbound(acme_box, FaxStatus.FAILED, error_code=code, error_message=message)
    html = login(alice).get(reverse("fax-detail", args=[fax.pk])).content.decode()
    assert f'data-failure="{failure}"' in html
    assert plain in _visible(html) and "What to do:" in _visible(html)
    assert "try again at" not in html  # a failed fax is not retried
    assert message.split(":")[0][:30] in _disclosure(html)


def test_another_accounts_failed_fax_is_404(acme_box, charlie):
    fax = outbound(acme_box, FaxStatus.FAILED, error_code=17, error_message="busy")
    assert login(charlie).get(reverse("fax-detail", args=[fax.pk])).status_code == 404
