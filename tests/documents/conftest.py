"""Documents shared by the document-pipeline tests (generated once per session)."""

from __future__ import annotations

import pytest

from faxes.documents import DocumentLimits

from . import factories


@pytest.fixture(scope="session")
def letter_pdf() -> bytes:
    return factories.text_pdf(3, factories.LETTER)


@pytest.fixture(scope="session")
def a4_pdf() -> bytes:
    return factories.text_pdf(2, factories.A4)


@pytest.fixture(scope="session")
def fax_tiff() -> bytes:
    return factories.multipage_tiff(3)


@pytest.fixture
def limits() -> DocumentLimits:
    """The production defaults, independent of the environment running the tests."""
    return DocumentLimits()
