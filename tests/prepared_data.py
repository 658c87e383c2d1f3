"""Pytest plugin (``-p tests.prepared_data``, pyproject addopts): the test run starts
the portal like manage.py does, so the data folder and its keys are prepared before
pytest-django reads the settings (which only read them)."""

from __future__ import annotations

import pytest

from faxportal import embedded


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    embedded.prepare()
