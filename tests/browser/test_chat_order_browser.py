"""A member's chat messages reach the bot one at a time, in the order she sent them (static/js/chat.js). She taps
»Book en samtale« and types her next message before the answer is back: the typed one waits for it. Sent side by
side, the server could take the typed message first (the phone journey's typed number was answered with "Hvordan
vil du helst holde samtalen?" before the tapped »Telefon« arrived). The tap's request is held back in the page for a
while here, so the typed message would overtake it without the queue. A message that fails stops the ones typed
after it, and Enter pressed twice sends the text once."""
from __future__ import annotations

from sqlalchemy import select

from tests.browser.chat_steps import TIMEOUT, bot_says, in_app, send, tap
from tests.browser.conftest import PHONE, requests_reaching, shot

WEBHOOK = "/webhooks/rest/webhook"

# The page's first chat request waits 1.5 s before it leaves (or fails then, as when the phone loses its network).
HOLD_FIRST_POST = """outcome => {
  const real = window.fetch;
  let held = false;
  window.fetch = function (url, options) {
    if (held || !String(url).includes("/webhooks/rest/webhook")) { return real(url, options); }
    held = true;
    return new Promise(resolve => setTimeout(resolve, 1500)).then(() =>
      outcome === "lost" ? Promise.reject(new TypeError("Failed to fetch")) : real(url, options));
  };
}"""


TYPED = "Jeg vil gerne tale med et menneske"


def _open(pages, outcome: str):
    """The flyer chat on a phone, its first chat request held back ("late") or lost ("lost")."""
    page = pages.new(PHONE)
    page.goto("/opsagt")
    page.evaluate(HOLD_FIRST_POST, outcome)
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    return page, widget, widget.get_by_role("log", name="Samtalen")


def _tap_then_type(widget) -> None:
    tap(widget, "Book en samtale")
    send(widget, TYPED)


def _typed_lines(app, sender: str) -> list[str]:
    from portal.models.chat import ChatConversation, ChatMessage

    def read(session):
        conversation = session.scalar(select(ChatConversation).where(ChatConversation.sender_id == sender))
        if conversation is None:
            return []
        return list(session.scalars(select(ChatMessage.text).where(
            ChatMessage.conversation_id == conversation.id, ChatMessage.sender == "user").order_by(ChatMessage.id)))

    return in_app(app, read)


def test_a_message_typed_while_the_tapped_one_is_on_its_way_follows_it(pages, portal):
    _base_url, app = portal
    page, widget, log = _open(pages, "late")
    with requests_reaching(app, only=WEBHOOK) as posts:
        _tap_then_type(widget)
        send(widget, TYPED)  # Enter twice: one message
        bot_says(log, "skal samtalen gemmes")  # the bot answered both, in turn
        page.wait_for_function("() => !document.querySelector('.chat-send').disabled", timeout=TIMEOUT)
        page.wait_for_timeout(300)
    assert posts == [WEBHOOK, WEBHOOK]
    shot(page, "chat-order-typed-after-tap-phone")
    assert _typed_lines(app, widget.get_attribute("data-sender")) == ["Book en samtale", TYPED]
    assert widget.get_by_label("Din besked").input_value() == ""
    assert page.locator(".chat-status").inner_text() == ""


def test_a_lost_message_stops_the_one_typed_after_it_which_stays_in_the_box(pages, portal):
    _base_url, app = portal
    page, widget, log = _open(pages, "lost")
    with requests_reaching(app, only=WEBHOOK) as posts:
        _tap_then_type(widget)
        page.locator(".chat-status", has_text="kunne ikke sendes").wait_for(timeout=TIMEOUT)  # the error line under the box
        page.wait_for_timeout(1000)
    assert posts == []  # the tap never left the phone, and the typed message did not go without it
    assert _typed_lines(app, widget.get_attribute("data-sender")) == []
    assert widget.get_by_label("Din besked").input_value() == TYPED
    shot(page, "chat-order-lost-message-phone")

    # Sent again, it goes.
    send(widget, TYPED)
    bot_says(log, "skal samtalen gemmes")
    assert _typed_lines(app, widget.get_attribute("data-sender")) == [TYPED]
