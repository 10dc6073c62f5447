"""A refused form's error summary takes the focus on the caseworker's screen (the folded "Foreslå et punkt") and
on the member's target-group page, as on every other form; the field it links to is marked invalid. Before, the
focus stayed on the page's body and a screen reader said nothing of the error."""
from __future__ import annotations

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_flash_focus_browser import _medlem_number

SUMMARY_FOCUSED = "() => document.activeElement.classList.contains('error-summary')"


def test_an_empty_plan_title_puts_the_focus_on_the_error_summary(pages, portal):
    page = pages.login("sagsbehandler", DESKTOP)
    page.goto(f"/sagsbehandler/medlem/{_medlem_number(portal[1])}")
    plan = page.locator("#plan")
    plan.get_by_text("Foreslå et punkt").click()
    plan.locator("#plan-title").fill("   ")  # passes the browser's `required`; the portal says "Skriv titel."
    plan.get_by_role("button", name="Føj til planen").click()
    page.wait_for_function(SUMMARY_FOCUSED, timeout=5000)
    assert "Skriv titel." in page.evaluate("document.activeElement.innerText")
    title = page.locator("#plan-title")
    assert title.get_attribute("aria-invalid") == "true"
    assert title.get_attribute("aria-describedby") == "plan-title-error"
    page.locator(".error-summary a[href='#plan-title']").click()
    assert page.evaluate("document.activeElement.id") == "plan-title"


def test_an_empty_objection_puts_the_focus_on_the_error_summary(pages, portal):
    page = pages.login("medlem", PHONE)
    page.goto("/min-side/maalgruppe")
    send = page.get_by_role("button", name="Send til min sagsbehandler")
    if send.count() == 0:
        return  # the demo member has no decision to disagree with (covered over HTTP in tests/profiling)
    send.click()
    page.wait_for_function(SUMMARY_FOCUSED, timeout=5000)
    assert page.locator("#objection").get_attribute("aria-invalid") == "true"
