"""Fixtures of the browser UI tests: logged-in clients per role and faxes with real files."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from accounts.models import Role
from faxes import services
from faxes.models import Fax, Faxbox, FaxStatus
from faxportal.celery import app as celery_app
from tests.factories import FaxFactory, FaxNumberFactory, UserFactory, text_pdf
from tests.rendered import reuse_rendering

_carrier_ids = itertools.count(1)


@pytest.fixture
def eager_celery(settings):
    """Tasks run inline when their on-commit hook fires (use with transactional tests)."""
    celery_app.conf.task_always_eager = True
    settings.FAXPORTAL_RETRY_DELAY = 60
    yield
    celery_app.conf.task_always_eager = False


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def acme_box(acme) -> Faxbox:
    faxbox = Faxbox.objects.for_account(acme.account).get()
    faxbox.caller_id = "+12025550140"
    faxbox.fax_header = "Acme Clinic"
    faxbox.save()
    FaxNumberFactory(faxbox=faxbox, account=acme.account, number="+12025550140")
    return faxbox


@pytest.fixture
def staff(acme):
    return UserFactory(username="sam@acme.test", account=acme.account, role=Role.STAFF)


@pytest.fixture
def alice_client(alice) -> Client:
    return login(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return login(bob)


@pytest.fixture
def staff_client(staff) -> Client:
    return login(staff)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return login(charlie)


def received(faxbox: Faxbox, pages: int = 2, sender: str = "+12025550199") -> Fax:
    """A fax received through the real inbound path (PDF, TIFF, previews, thumbnail), its
    document rendered once per run (tests/rendered.py)."""
    number = faxbox.numbers.first().number
    with reuse_rendering():
        return services.receive_fax(
            to_number=number,
            from_number=sender,
            data=text_pdf(pages),
            transport="loopback",
            carrier_fax_id=f"ui-test-{next(_carrier_ids)}",
            filename="in.pdf",
        )


@pytest.fixture
def inbound_fax(acme_box) -> Fax:
    return received(acme_box)


def outbound(faxbox: Faxbox, status: str, to_number: str = "+12025550120", **fields) -> Fax:
    """An outbound fax of ``faxbox`` in ``status`` (a row only, no files)."""
    return FaxFactory(
        faxbox=faxbox,
        account=faxbox.account,
        direction="outbound",
        status=status,
        to_number=to_number,
        **fields,
    )


@pytest.fixture
def outbound_fax(acme_box) -> Fax:
    return outbound(acme_box, FaxStatus.QUEUED, from_number="+12025550140")
