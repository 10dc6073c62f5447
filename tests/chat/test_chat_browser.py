"""The dismissed member's journey in a real browser: flyer link → chat in Danish → consent → a person answers."""
from __future__ import annotations

import re
import shutil
import threading

import pytest

from portal.services.chat.flyer import campaign_token

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def served(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def test_flyer_chat_consent_human_and_the_reply_shows_in_the_widget(app, make, served, browser):
    odense = make.location("Odense")
    make.caseworker("hanne", location=odense, display_name="Hanne Holm")
    make.commit()
    link = f"{served}/opsagt?k={campaign_token(app.config['SECRET_KEY'], odense)}"

    phone = browser.new_context(viewport={"width": 360, "height": 780})
    member = phone.new_page()
    member.goto(link)
    assert member.locator("h1").inner_text() == "Er du blevet opsagt?"
    assert member.get_by_text("Du kommer fra FOA Odense.").is_visible()
    box = member.get_by_label("Din besked")
    box.fill("hej")
    box.press("Enter")  # keyboard only
    member.locator(".chat-msg-bot", has_text="FOA A-kasses chatbot").wait_for(timeout=20000)
    box.fill("jeg vil gerne tale med et menneske")
    box.press("Enter")
    member.get_by_text("Giver du samtykke").wait_for(timeout=20000)
    consent_button = member.get_by_role("button", name="Ja, jeg giver samtykke")
    consent_button.focus()
    member.keyboard.press("Enter")
    member.locator(".chat-msg-bot", has_text="sendt samtalen videre til FOA A-kasse Odense").wait_for(timeout=20000)
    assert member.locator(".chat-msg-user", has_text="Ja, jeg giver samtykke").count() == 1
    assert member.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone

    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(served + "/login")
    desk.get_by_label("Brugernavn eller medlemsnummer").fill("hanne")
    desk.get_by_label("Adgangskode").fill("korrekt-hest-batteri")
    desk.get_by_role("button", name="Log ind").click()
    desk.goto(served + "/sagsbehandler/overdragelser")
    assert re.search(r"Chats venter\s*1", desk.locator(".main-nav").inner_text())
    desk.get_by_role("button", name=re.compile("^Tag")).first.click()
    desk.get_by_label("Dit svar til medlemmet").fill("Hej, det er Hanne. <i>Hvad</i> kan jeg hjælpe med?")
    desk.get_by_role("button", name="Send svar").click()
    desk.get_by_text("Svaret er sendt.").wait_for()

    reply = member.locator(".chat-msg-caseworker", has_text="Hej, det er Hanne.")
    reply.wait_for(timeout=20000)
    assert "<i>Hvad</i>" in reply.inner_text()  # shown as text, not markup
    assert "Hanne Holm" in reply.inner_text()
    # The bot stays silent while Hanne has the chat.
    bot_lines = member.locator(".chat-msg-bot").count()
    box.fill("tak, kan du ringe mig op?")
    box.press("Enter")
    desk.reload()
    desk.locator(".chat-msg-user", has_text="kan du ringe mig op").wait_for(timeout=20000)
    assert member.locator(".chat-msg-bot").count() == bot_lines
