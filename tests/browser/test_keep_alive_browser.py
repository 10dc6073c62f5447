"""Typing keeps a signed-in session open (static/js/app.js, /session/aktiv), on the page's own clock.

A caseworker writing a long summary after a conversation was signed out after SESSION_MINUTES without a request,
and sending the form lost the text ("Formularen er udløbet"). Now the page asks the server at most every five
minutes while someone types in a form, which moves the session's end forward; if the session has ended already,
the page says so above the form before anything is sent.
"""
from __future__ import annotations

from tests.browser.conftest import requests_reaching
from tests.browser.test_chat_polling_browser import advance
from tests.browser.test_flash_focus_browser import _medlem_number

KEEP_ALIVE = "/session/aktiv"


def test_typing_keeps_the_session_and_an_ended_session_is_said_before_sending(pages, portal):
    _base, app = portal
    page = pages.login("sagsbehandler")
    page.clock.install()
    page.goto(f"/sagsbehandler/medlem/{_medlem_number(app)}/samtale")
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds: a number is read as seconds
    summary = page.locator("#member_summary")
    with requests_reaching(app, only=KEEP_ALIVE) as asked:
        summary.press_sequentially("Vi talte om")
        advance(page, 301, step=60)
        summary.press_sequentially(" jobsøgning")  # five minutes on: one request, not one per key
        page.wait_for_timeout(500)
        summary.press_sequentially(" og kurser")
        page.wait_for_timeout(500)
    assert len(asked) == 1, asked
    assert page.locator(".flash-error[role=alert]").count() == 0

    page.context.clear_cookies()  # the session ended while she wrote
    advance(page, 301, step=60)
    summary.press_sequentially(".")
    alert = page.locator(".flash-error[role=alert]")
    alert.wait_for(timeout=5000)
    assert "Du er blevet logget ud" in alert.inner_text()
    assert summary.input_value() == "Vi talte om jobsøgning og kurser."
