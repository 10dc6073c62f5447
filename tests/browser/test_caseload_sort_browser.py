"""The caseload's sort on a phone: the stacked rows hide the column headers, so the sort is a visible row of links
above the list (no script needed), and the hidden header's links take no keyboard focus; on a desktop the headers
sort, and the sorted column says so with aria-sort."""
from __future__ import annotations

from tests.browser.conftest import DESKTOP, PHONE, shot

CASELOAD = "/sagsbehandler/"


def _focus_reaches_the_header(page, presses: int = 60) -> bool:
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("!!(document.activeElement && document.activeElement.closest('table.caseload thead'))"):
            return True
    return False


def test_on_a_phone_the_sort_is_a_visible_control_and_the_hidden_headers_take_no_focus(pages):
    page = pages.login("sagsbehandler", PHONE)
    page.goto(CASELOAD)
    control = page.get_by_role("navigation", name="Sortering")
    assert control.is_visible() and "Sortér efter:" in control.inner_text()
    assert not page.locator("table.caseload thead").is_visible()
    assert not _focus_reaches_the_header(page)
    control.get_by_role("link", name="Uger ledig").click()
    page.wait_for_url("**sorter=weeks**")
    current = page.get_by_role("navigation", name="Sortering").locator("a[aria-current]")
    assert current.count() == 1 and current.inner_text().startswith("Uger ledig")
    assert page.locator("table.caseload th[aria-sort]").get_attribute("aria-sort") == "ascending"
    shot(page, "caseload-phone-sort")


def test_on_a_desktop_the_column_headers_sort_and_the_phone_control_is_hidden(pages):
    page = pages.login("sagsbehandler", DESKTOP)
    page.goto(CASELOAD)
    assert not page.get_by_role("navigation", name="Sortering").is_visible()
    sorted_column = page.locator("table.caseload thead th[aria-sort]")
    assert sorted_column.count() == 1 and sorted_column.is_visible()
    page.locator("table.caseload thead").get_by_role("link", name="Medlem").click()
    page.wait_for_url("**sorter=name**")
    assert page.locator("table.caseload thead th[aria-sort]").inner_text().startswith("Medlem")
