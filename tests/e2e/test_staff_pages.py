"""The staff pages in Chromium (one browser for the module): a double click sends once, a
reload creates nothing, a 390 px phone shows everything, PDFs open and print,
pages turn and stay turned, new faxes are noticed, the CSP holds with htmx working,
the keyboard reaches everything, and axe-core finds nothing on any page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from accounts.models import ApiToken, Role
from faxes.models import Contact, Fax, FaxStatus
from tests.e2e.conftest import screenshot
from tests.e2e.test_send_and_receive import PASSWORD
from tests.factories import AccountFactory, FaxboxFactory, FaxNumberFactory, UserFactory, text_pdf
from tests.ui.conftest import outbound, received

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def clinic(settings):
    settings.FAXPORTAL_UI_POLL_SECONDS = 1
    account = AccountFactory(name="Demo Clinic", timezone="America/New_York")
    box = FaxboxFactory(
        account=account,
        name="Front desk",
        caller_id="+12025550101",
        fax_header="Demo Clinic",
        fax_timezone="America/New_York",
    )
    FaxNumberFactory(faxbox=box, number="+12025550101")
    Contact.objects.create(
        account=account, name="Demo Pharmacy", fax_number="+12025550102", organization="Main St"
    )
    Contact.objects.create(account=account, name="City Lab", fax_number="+13125550147")
    for sender in ("+13125550147", "+14155550123"):
        received(box, pages=2, sender=sender)
    outbound(box, FaxStatus.QUEUED, "+12025550102", from_number="+12025550101")
    outbound(box, FaxStatus.FAILED, "+14155550199", from_number="+12025550101",
             error_message="The line was busy")  # fmt: skip
    admin = UserFactory(
        username="alex@clinic.test", first_name="Alex", account=account, role=Role.ADMIN
    )
    UserFactory(username="sam@clinic.test", account=account, role=Role.STAFF)
    return {"account": account, "box": box, "admin": admin}


def new_tab(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def log_in(tab, user) -> None:
    tab.goto("/login/")
    tab.get_by_label("Username or e-mail").fill(user.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.locator("h1", has_text="Inbox").wait_for()


def until(tab, script: str, timeout: float = 20) -> None:
    """Wait until ``script`` (a function) is true in the page. Polled from here:
    Playwright's own wait_for_function evaluates strings, which this CSP forbids."""
    deadline = time.monotonic() + timeout
    while not tab.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout}s: {script}")
        tab.wait_for_timeout(200)


def pages_of(clinic) -> dict[str, str]:
    inbound = Fax.objects.filter(direction="inbound").first()
    return {
        "inbox": "/inbox/",
        "outbox": "/outbox/",
        "send": "/send/",
        "detail": f"/faxes/{inbound.pk}/",
        "contacts": "/contacts/",
        "faxboxes": "/manage/faxboxes/",
        "users": "/manage/users/",
        "tokens": "/manage/tokens/",
        "webhooks": "/manage/webhooks/",
        "audit": "/manage/audit/",
    }


def test_double_clicking_send_sends_one_fax(browser, live_server, clinic, tmp_path):
    context, tab = new_tab(browser, live_server, viewport={"width": 1366, "height": 768})
    log_in(tab, clinic["admin"])
    tab.goto("/send/")
    tab.get_by_label("Recipients").fill("+12025550102")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(text_pdf(1))
    tab.locator("#id_documents").set_input_files(str(letter))
    tab.locator("#send-button").dblclick()
    tab.wait_for_url("**/outbox/")
    assert Fax.objects.filter(direction="outbound", source__isnull=False).count() == 1
    # Resubmitting a failed fax with a double click makes one new fax too.
    failed = Fax.objects.get(status=FaxStatus.FAILED)
    tab.goto(f"/faxes/{failed.pk}/")
    tab.get_by_role("button", name="Resubmit").dblclick()
    tab.locator("h1", has_text="Fax to").wait_for()
    assert Fax.objects.filter(resubmitted_from=failed).count() == 1
    context.close()


def test_reloading_after_creating_a_token_creates_nothing(browser, live_server, clinic):
    context, tab = new_tab(browser, live_server, viewport={"width": 1366, "height": 768})
    log_in(tab, clinic["admin"])
    tab.goto("/manage/tokens/")
    tab.get_by_label("Name").fill("EHR bridge")
    tab.get_by_label("Read fax data and files").check()
    tab.get_by_role("button", name="Create token").click()
    secret = tab.locator("#new-secret").inner_text()
    assert secret.startswith("faxapi_")
    screenshot(tab, "tokens")
    tab.reload()
    tab.locator("h1", has_text="API tokens").wait_for()
    assert tab.locator("#new-secret").count() == 0
    assert ApiToken.objects.count() == 1
    context.close()


def test_nothing_overflows_a_390px_phone(browser, live_server, clinic):
    context, tab = new_tab(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(tab, clinic["admin"])
    for name, url in pages_of(clinic).items():
        tab.goto(url)
        tab.locator("h1").first.wait_for()
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width}px wide"
        # Every row action and every navigation link is on screen, none cut off.
        for selector in (".row-actions .btn, .row-actions button", ".sidebar a", "main button"):
            for box in tab.locator(selector).evaluate_all(
                "els => els.filter(e => e.offsetParent).map(e => {"
                " const r = e.getBoundingClientRect();"
                " return [e.textContent.trim(), r.left, r.right]; })"
            ):
                assert box[1] >= 0 and box[2] <= PHONE["width"], f"{name}: {box[0]!r} off-screen"
        nav_links = tab.locator(".sidebar a").evaluate_all("els => els.map(e => e.textContent)")
        assert any("Audit log" in text for text in nav_links)
        if name == "outbox":
            screenshot(tab, "phone-outbox")
    context.close()


def test_a_fax_opens_inline_prints_and_its_pages_turn(browser, live_server, clinic):
    context, tab = new_tab(browser, live_server, viewport={"width": 1366, "height": 768})
    tab.add_init_script(
        "window.print = function () { window.__printed = (window.__printed || 0) + 1; };"
    )
    log_in(tab, clinic["admin"])
    fax = Fax.objects.get(direction="inbound", from_number="+13125550147")
    tab.goto(f"/faxes/{fax.pk}/")
    tab.get_by_role("heading", name="Fax from City Lab").wait_for()
    view = tab.locator("#view-pdf")
    assert view.get_attribute("target") == "_blank"
    answer = tab.request.get(view.get_attribute("href"))
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    assert answer.headers["cache-control"] == "private, no-store"
    # Print: every page image loads, then the browser's print dialog opens.
    tab.get_by_role("button", name="Print").click()
    until(tab, "() => window.__printed === 1")
    tab.emulate_media(media="print")
    assert not tab.locator(".sidebar").is_visible()
    assert tab.locator("#page-1 img").is_visible()
    tab.emulate_media(media="screen")
    # Turn page 1 right: the image comes back turned, and stays so after a reload.
    tab.get_by_role("button", name="Turn page 1 right").click()
    until(
        tab,
        "() => { const i = document.querySelector('#page-1 img');"
        " return i.src.includes('r=90') && i.complete && i.naturalWidth > i.naturalHeight; }",
    )
    tab.reload()
    until(
        tab,
        "() => { const i = document.querySelector('#page-1 img');"
        " return i.complete && i.naturalWidth > i.naturalHeight; }",
    )
    fax.refresh_from_db()
    assert fax.page_rotations == {"1": 90}
    images = tab.request.get(f"/faxes/{fax.pk}/pages/1.png")
    assert images.headers["cache-control"] == "private, no-store"
    screenshot(tab, "detail")
    context.close()


NOTIFICATIONS = """
window.__notes = [];
window.Notification = function (title, options) { window.__notes.push([title, options]); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: function () { return window.__hidden; } });
"""


def test_new_faxes_are_noticed(browser, live_server, clinic):
    context, tab = new_tab(browser, live_server, viewport={"width": 1366, "height": 768})
    tab.add_init_script(NOTIFICATIONS)
    log_in(tab, clinic["admin"])
    assert tab.title().startswith("(2) Inbox")
    assert tab.locator("#unread-count [data-unread]").inner_text() == "2"
    assert tab.locator(".pager").inner_text().startswith("2 shown")
    tab.get_by_role("button", name="Desktop alerts: off").click()
    tab.get_by_role("button", name="Desktop alerts: on").wait_for()
    polls = []
    tab.on("request", lambda r: polls.append(r.url) if "partial=rows" in r.url else None)
    # The tab goes to the background: the list keeps polling, only slower.
    tab.evaluate("window.__hidden = true")
    polls.clear()
    received(clinic["box"], pages=1, sender="+12025550102")
    until(tab, "() => document.title.startsWith('(3) ')")
    assert tab.locator("#unread-count [data-unread]").inner_text() == "3"
    until(tab, "() => window.__notes.length === 1")
    title, options = tab.evaluate("window.__notes[0]")
    assert title == "New fax from Demo Pharmacy" and "1 page" in options["body"]
    tab.locator(".pager", has_text="3 shown").wait_for(timeout=20_000)
    assert polls, "a hidden tab still polls the list"
    assert tab.locator("tr.fax-row").count() == 3
    screenshot(tab, "inbox")
    context.close()


def test_the_csp_holds_and_htmx_works_under_it(browser, live_server, clinic):
    context, tab = new_tab(browser, live_server, viewport={"width": 1366, "height": 768})
    violations = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else None)
    log_in(tab, clinic["admin"])
    for url in pages_of(clinic).values():
        response = tab.goto(url)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy
    tab.goto("/send/")
    tab.get_by_label("Recipients").fill("+1 202 555 0102, 12")
    tab.locator("#recipients-check li").first.wait_for()  # htmx fetched the check
    assert "Demo Pharmacy" in tab.locator("#recipients-check").inner_text()
    screenshot(tab, "send")
    assert violations == []
    context.close()


def run_axe(tab) -> list[dict]:
    tab.evaluate(AXE.read_text())
    return tab.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )


def test_keyboard_and_axe_find_nothing_on_any_page(browser, live_server, clinic):
    context, tab = new_tab(browser, live_server, viewport={"width": 1366, "height": 768})
    log_in(tab, clinic["admin"])
    found = {}
    for name, url in {**pages_of(clinic), "missing": "/faxes/nothing-here/"}.items():
        tab.goto(url)
        tab.locator("h1").first.wait_for()
        violations = run_axe(tab)
        if violations:
            found[name] = violations
    tab.goto("/outbox/")
    tab.locator(".row-actions button", has_text="Cancel").first.click()
    tab.locator("h1", has_text="Cancel the fax").wait_for()
    screenshot(tab, "confirm")
    if run_axe(tab):
        found["confirm"] = run_axe(tab)
    assert found == {}
    # Focus shows on the file picker's button and, at 3:1 or more, on radios.
    tab.goto("/send/")
    tab.locator("#id_documents").focus()
    outline = tab.locator("label[for=id_documents]").evaluate(
        "e => getComputedStyle(e).outlineStyle"
    )
    assert outline == "solid"
    tab.locator("#id_resolution_0").focus()
    tab.keyboard.press("ArrowDown")
    ring = tab.locator("#id_resolution_1").evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineColor]"
    )
    assert ring == ["solid", "rgb(8, 66, 160)"]  # #0842a0: 9:1 against white
    # The contact search is a combobox driven by the arrow keys.
    search = tab.get_by_role("combobox", name="Add from contacts")
    search.fill("Demo")
    tab.locator("#contact-suggestions [role=option]").first.wait_for()
    assert search.get_attribute("aria-expanded") == "true"
    search.press("ArrowDown")
    active = search.get_attribute("aria-activedescendant")
    assert tab.locator(f"#{active}").get_attribute("aria-selected") == "true"
    search.press("Enter")
    assert re.search(r"\+12025550102", tab.locator("#id_to").input_value())
    assert search.get_attribute("aria-expanded") == "false"
    context.close()
