"""The shortcut the UI and retention tests file received faxes with (tests/rendered.py)
stores exactly what the document pipeline stores, and lets rejections through."""

from __future__ import annotations

import itertools

import pytest
from django.core.files.storage import default_storage

from faxes import services
from faxes.documents import DocumentRejected
from faxes.models import Fax, Faxbox
from tests.factories import FaxNumberFactory, text_pdf
from tests.rendered import reuse_rendering

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


@pytest.fixture
def box(acme) -> Faxbox:
    faxbox = Faxbox.objects.for_account(acme.account).get()
    FaxNumberFactory(faxbox=faxbox, account=acme.account, number="+12025550140")
    return faxbox


def receive(data: bytes) -> Fax:
    return services.receive_fax(
        to_number="+12025550140", from_number="+12025550199", data=data,
        transport="loopback", carrier_fax_id=f"rendered-{next(_ids)}", filename="in.pdf",
    )  # fmt: skip


def stored(fax: Fax) -> dict[str, bytes]:
    """The plaintext of every file of ``fax``, by its name under the fax's folder."""
    folder = f"faxes/{fax.account_id}/{fax.pk}"
    files = {}
    for name in default_storage.walk(folder):
        with default_storage.open(name) as handle:
            files[name.removeprefix(folder + "/")] = handle.read()
    return files


def test_a_reused_rendering_stores_the_same_files_as_the_pipeline(box):
    document = text_pdf(3, text="Rendered once")
    real = receive(document)
    with reuse_rendering():
        first, again = receive(document), receive(document)
    expected = stored(real)
    assert {"fax.pdf", "fax.tiff", "thumbnail.png", "pages/0003.png"} <= set(expected)
    for fax in (first, again):
        assert fax.pages == real.pages == 3
        assert stored(fax) == expected
        assert fax.thumbnail.name.removeprefix(f"faxes/{fax.account_id}/{fax.pk}/") == (
            real.thumbnail.name.removeprefix(f"faxes/{real.account_id}/{real.pk}/")
        )


def test_a_rejected_document_is_still_rejected_every_time(box):
    with reuse_rendering():
        for _ in range(2):
            with pytest.raises(DocumentRejected):
                receive(b"%PDF-1.4 not really")
    assert not Fax.objects.exists()
