"""The chat widget with the keyboard (static/js/chat.js): when the bot asks for typed text ("Hvad er dit fulde
navn?"), the focus goes to the message box, not to the question's only button »Afbryd«, which Enter would press;
a question answered by a button keeps the focus on the first button. A double click on a quick reply sends one
message (it sent two, and the second first message failed with a 500)."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.browser.chat_steps import TIMEOUT, bot_says, in_app
from tests.browser.conftest import PHONE, requests_reaching

FOCUSED = "() => [document.activeElement.tagName, document.activeElement.id, document.activeElement.textContent]"


def _focused_on(page, tag: str, text: str | None = None) -> None:
    page.wait_for_function(
        "([tag, text]) => document.activeElement.tagName === tag && "
        "(text === null || document.activeElement.textContent.trim() === text)", arg=[tag, text], timeout=TIMEOUT)


def test_a_question_answered_in_words_puts_the_focus_in_the_message_box(pages, portal):
    page = pages.new(PHONE)
    page.goto("/opsagt")
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")
    box = widget.get_by_label("Din besked")

    widget.get_by_role("button", name="Book en samtale").focus()
    page.keyboard.press("Enter")
    log.get_by_text("Giver du samtykke", exact=False).wait_for(timeout=TIMEOUT)
    _focused_on(page, "BUTTON", "Ja, jeg giver samtykke")  # a question answered by a button: its first button
    page.keyboard.press("Enter")
    bot_says(log, "Vil du registreres")
    _focused_on(page, "BUTTON", "Ja, registrér mig")
    page.keyboard.press("Enter")
    bot_says(log, "Hvad er dit fulde navn?")

    _focused_on(page, "TEXTAREA")
    assert page.evaluate(FOCUSED)[1] == "chat-message-flyer"
    assert widget.get_by_role("button", name="Afbryd").is_visible()  # still there, one Tab away
    page.keyboard.type("Karla Tastatur")
    page.keyboard.press("Enter")
    bot_says(log, "fødselsdato")  # the name was taken, nothing was cancelled
    assert log.locator(".chat-msg-bot", has_text="afbrudt").count() == 0
    assert box.input_value() == ""


def test_a_double_click_on_the_first_quick_reply_sends_one_message(pages, portal):
    from portal.models.chat import ChatConversation, ChatMessage

    _base_url, app = portal
    page = pages.new(PHONE)
    page.goto("/opsagt")
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")
    sender = widget.get_attribute("data-sender")

    with requests_reaching(app, only="/webhooks/rest/webhook") as posts:
        widget.get_by_role("button", name="Book en samtale").dblclick()
        log.get_by_text("Giver du samtykke", exact=False).wait_for(timeout=TIMEOUT)
        page.wait_for_timeout(500)
    assert posts == ["/webhooks/rest/webhook"]
    assert page.locator(".chat-status").inner_text() == ""  # no error line under the box

    def stored(session):
        conversation = session.scalar(select(ChatConversation).where(ChatConversation.sender_id == sender))
        return session.scalar(select(func.count()).select_from(ChatMessage).where(
            ChatMessage.conversation_id == conversation.id, ChatMessage.sender == "user"))

    assert in_app(app, stored) == 1
