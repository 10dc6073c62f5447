"""A member on a phone goes back and forth between her pages: after the first view the browser keeps the portal's
CSS, JavaScript and icon, so each later view is one request to the server, and the page is still styled and its
scripts still run (portal/static_assets.py, issue 19). Before, every view was the page plus a revalidation of each
file (eight requests for Min side)."""
from __future__ import annotations

from tests.browser.conftest import PHONE, requests_reaching

POLL = "/chat/beskeder"  # the chat widget's own requests for new messages: data, not a file, and on its own beat


def test_a_repeat_view_is_one_request_and_the_page_still_works(pages, portal):
    _base, app = portal
    page = pages.login("medlem", PHONE)
    for path in ("/min-side", "/min-side/plan"):
        settled(page.goto, path)
    for path in ("/min-side", "/min-side/plan", "/min-side"):
        with requests_reaching(app, but=POLL) as seen:
            settled(page.goto, path)
        assert seen == [path], f"{path}: the server saw {seen}"
        assert_styled(page)
        # app.js from the browser's cache ran: on a phone it shows the menu button it folds the menu behind
        assert page.locator(".nav-toggle").is_visible()
    # the chat widget's script ran too: it marks the log it drives with the last message it has shown
    assert page.locator(".chat-widget .chat-log").get_attribute("data-last-id") is not None
    # Reloading asks again for the page only
    with requests_reaching(app, but=POLL) as seen:
        settled(page.reload)
    assert seen == ["/min-side"], seen


def test_a_new_cookie_or_a_new_tab_does_not_fetch_the_files_again(pages, portal):
    """The files were first fetched on the login page, before the session cookie she has now; she switches to
    English (a new cookie again) and opens Min side in a new tab, which reads the browser's disk cache rather than
    the page's memory: still only the page reaches the server."""
    _base, app = portal
    page = pages.login("medlem", PHONE)
    settled(page.goto, "/min-side")
    settled(page.click, "button:has-text('English')")
    assert page.locator("html").get_attribute("lang") == "en"
    with requests_reaching(app, but=POLL) as seen:
        tab = page.context.new_page()
        settled(tab.goto, "/min-side")
    assert seen == ["/min-side"], seen
    assert tab.locator("html").get_attribute("lang") == "en"
    assert_styled(tab)


def assert_styled(page) -> None:
    """app.css (from the browser's cache) applies: the header is FOA red, not the browser's default."""
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") \
        not in ("rgba(0, 0, 0, 0)", "transparent")


def settled(action, *args) -> None:
    """A page's navigation (its goto, reload, or a click that loads a page), and whatever the page then fetches."""
    action(*args)
    action.__self__.wait_for_load_state("networkidle")  # the page the bound method belongs to
