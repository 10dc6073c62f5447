"""How often the chat widget asks the server for new messages (static/js/chat.js, issue 19), on the page's own
clock (Playwright's fake timers): every 30 s while the bot has the chat, since nothing then arrives that the person
did not ask for; every 3 s once it is handed to a person, where a caseworker's answer shows within one beat; at once
when the tab is shown again. It used to ask every 3 s on every open Min side and flyer page."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.browser.chat_steps import TIMEOUT, bot_says, in_app, send
from tests.browser.conftest import PHONE, requests_reaching

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py: heaviest modules first)

POLL = "/chat/beskeder"


def is_poll(response) -> bool:
    return POLL in response.url and response.request.method == "GET"


def test_an_idle_chat_asks_every_30_s_a_handed_off_one_every_3_s(pages, portal):
    from portal.services.chat.flyer import campaign_token, flyer_link, location_by_name

    base_url, app = portal
    token = in_app(app, lambda s: campaign_token(app.config["SECRET_KEY"], location_by_name(s, "Odense")))
    page = pages.new(PHONE)
    page.clock.install()
    page.goto(flyer_link(base_url, token))
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)

    # The bot has the chat: shown again (or first), the tab asks at once; over the next two minutes it asks about
    # four times, every 30 s (it asked forty times, every 3 s). (A count, not exact beats: the browser itself may
    # tell the page it is visible again now and then, and the page then asks at once.)
    # A poll the page sent on loading may still be on its way on a loaded machine, and the widget sends no second
    # while one is out (it failed here once in a full `make test`): shown again only once the network is quiet.
    page.wait_for_load_state("networkidle")
    with page.expect_response(is_poll, timeout=TIMEOUT):
        _set_hidden(page, False)
    with requests_reaching(app, only=POLL) as polls:
        advance(page, 120, step=2)
    assert 3 <= len(polls) <= 6, polls

    # She asks for a person and consents: the chat is handed off, and the widget asks every 3 s.
    send(widget, "Jeg vil gerne tale med et menneske")
    widget.get_by_role("button", name="Ja, jeg giver samtykke").wait_for(timeout=TIMEOUT)
    widget.get_by_role("button", name="Ja, jeg giver samtykke").click()
    bot_says(log, "sendt samtalen videre")
    advance(page, 1)  # (the widget's own second look just after sending)
    with requests_reaching(app, only=POLL) as polls:
        advance(page, 12)
    assert 3 <= len(polls) <= 6, polls

    # A caseworker takes the chat and answers: it shows within one beat.
    sender = widget.get_attribute("data-sender")
    in_app(app, lambda s: _claim_and_answer(s, sender, "Jeg ringer dig op i eftermiddag."))
    advance(page, 4)
    log.locator(".chat-msg-caseworker", has_text="Jeg ringer dig op i eftermiddag.").wait_for(timeout=TIMEOUT)


def advance(page, seconds: int, step: int = 1) -> None:
    """Let `seconds` pass on the page's paused clock, `step` seconds at a time, with a moment of real time after each
    for a request it sent to be answered and its answer handled (the next wait is planned only then)."""
    for _ in range(seconds // step):
        page.clock.run_for(step * 1000)
        time.sleep(0.15)


def test_a_hidden_tab_does_not_ask_and_asks_at_once_when_shown_again(pages, portal):
    _base, app = portal
    page = pages.login("medlem", PHONE)
    page.clock.install()
    page.goto("/min-side")
    page.get_by_role("region", name="Chat med FOA A-kasse").wait_for()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    _set_hidden(page, True)
    # A poll the page sent before it was hidden may still be on its way on a loaded machine (it reached the server
    # inside the block once, in a full `make test` run beside other work): count only after the network is quiet.
    page.wait_for_load_state("networkidle")
    with requests_reaching(app, only=POLL) as polls:
        advance(page, 65)
    assert polls == []
    with page.expect_response(is_poll, timeout=TIMEOUT):
        _set_hidden(page, False)


def _set_hidden(page, hidden: bool) -> None:
    """What the browser does when the tab goes to the background or comes back."""
    page.evaluate("""hidden => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
        document.dispatchEvent(new Event("visibilitychange"));
    }""", hidden)


def _claim_and_answer(session, sender: str, text: str) -> None:
    from portal.models import Caseworker, User
    from portal.models.chat import Handoff
    from portal.services.chat import handoff
    from portal.services.chat.chat import conversation_for_sender

    conversation = conversation_for_sender(session, sender)
    waiting = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation.id))
    user = session.scalar(select(User).join(Caseworker, Caseworker.user_id == User.id)
                          .where(Caseworker.location_id == conversation.location_id).order_by(User.id))
    now = datetime.now(UTC)
    handoff.claim(session, user, waiting.id, now=now)
    handoff.reply(session, user, waiting.id, text, now=now)
    session.commit()
