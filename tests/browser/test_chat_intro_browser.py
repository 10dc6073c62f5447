"""The chat's intro says who answers and whether the chat is kept, and follows the chat as it changes, without a
reload (static/js/chat.js syncIntro): a member who consented was told "we keep nothing before you consent", and
one who withdrew was told her consent stood, until she reloaded the page."""
from __future__ import annotations

import pytest

from tests.browser.chat_steps import TIMEOUT, bot_says, send
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.slow


def _shown(widget, text: str) -> None:
    widget.locator(".chat-intro span:visible", has_text=text).wait_for(timeout=TIMEOUT)


def _gone(widget, text: str) -> None:
    widget.locator(".chat-intro span", has_text=text).wait_for(state="hidden", timeout=TIMEOUT)


def test_the_intro_follows_consent_and_handoff_without_a_reload(pages, portal):
    page = pages.login("sygemeldt", PHONE)
    page.goto("/min-side")
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")
    _shown(widget, "Du skriver med en chatbot")
    _shown(widget, "Vi gemmer intet om dig")

    send(widget, "Jeg vil gerne tale med et menneske")
    widget.get_by_role("button", name="Ja, jeg giver samtykke").click(timeout=TIMEOUT)
    bot_says(log, "sendt samtalen videre")
    _shown(widget, "Din chat er sendt videre til en medarbejder")
    _shown(widget, "Du har givet samtykke til, at vi gemmer")
    _gone(widget, "Du skriver med en chatbot")
    _gone(widget, "Vi gemmer intet om dig")

    send(widget, "træk mit samtykke tilbage")
    widget.get_by_role("button", name="Ja, slet min chat").click(timeout=TIMEOUT)
    _shown(widget, "Vi gemmer intet om dig")
    _gone(widget, "Du har givet samtykke til, at vi gemmer")
    _shown(widget, "Du skriver med en chatbot")
    _gone(widget, "Din chat er sendt videre til en medarbejder")
