"""Browser tests: Playwright (sync API) driving Debian's Chromium against the live server.

Never ``playwright install``: the browser is the system's /usr/bin/chromium (installed
by ``.ci/run`` through ``scripts/bootstrap``). Without it the tests are skipped, unless
FAXPORTAL_REQUIRE_SERVICES=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from faxportal.celery import app as celery_app

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# The ones the README shows (the others stay test artifacts).
README_SCREENSHOTS = {
    "inbox",
    "send",
    "detail",
    "outbox",
    "tokens",
    "audit",
    "phone-outbox",
    "confirm",
}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("FAXPORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (FAXPORTAL_REQUIRE_SERVICES=1 requires the browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(django_db_setup, live_server):
    """One Chromium per test module. Module scope, so Playwright's event loop (which
    makes Django see an async context in this thread) is gone before other tests run."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing: pip install -e '.[dev]'")
    # Playwright's sync API runs an event loop in this thread; Django would take the
    # tests' own (synchronous) ORM calls for async code. They are not: allow them.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def eager_engine(settings):
    """The send/receive engine runs inline in the live server when a request commits."""
    celery_app.conf.task_always_eager = True
    settings.FAXPORTAL_RETRY_DELAY = 60
    settings.FAXPORTAL_UI_POLL_SECONDS = 1
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1360, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(tab, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/; with FAXPORTAL_UPDATE_SCREENSHOTS=1 also
    refresh the README's copy in docs/screenshots/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top
    tab.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("FAXPORTAL_UPDATE_SCREENSHOTS") == "1" and name in README_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / f"{name}.png")
    return path
