"""A member reading Min side in English chats with a caseworker who writes Danish: the caseworker's lines are marked
lang="da", both those the page was rendered with and those the widget adds as they arrive (static/js/chat.js), so a
screen reader reads them with Danish pronunciation (WCAG 3.1.2); on a Danish page nothing is marked."""
from __future__ import annotations

from sqlalchemy import select

from tests.browser.chat_steps import TIMEOUT, in_app, take_and_reply
from tests.browser.conftest import PHONE

REPLY = "Hej, jeg kigger på din sag med det samme."


def _waiting_handoff_of(username: str):
    def find(session):
        from portal.models import Member, User
        from portal.models.chat import ChatConversation, Handoff

        return session.scalar(select(Handoff.id).join(ChatConversation, ChatConversation.id == Handoff.conversation_id)
                              .join(Member, Member.id == ChatConversation.member_id)
                              .join(User, User.id == Member.user_id)
                              .where(User.username == username, Handoff.status == "waiting"))
    return find


def test_a_caseworkers_danish_reply_is_marked_danish_on_an_english_page(pages, portal):
    _base_url, app = portal
    handoff_id = in_app(app, _waiting_handoff_of("opsagt"))
    assert handoff_id, "the demo's dismissed member waits for a caseworker in Odense's queue"
    phone = pages.login("opsagt", PHONE)
    phone.goto("/min-side?lang=en")
    widget = phone.get_by_role("region", name="Chat with FOA A-kasse")
    log = widget.get_by_role("log", name="The conversation")
    log.wait_for()

    desk = take_and_reply(pages, handoff_id, REPLY)

    arrived = log.locator(".chat-msg-caseworker .chat-text", has_text=REPLY)
    arrived.wait_for(timeout=TIMEOUT)  # added by the widget's poll
    assert arrived.get_attribute("lang") == "da"
    assert log.locator(".chat-msg-user .chat-text").first.get_attribute("lang") is None  # hers: not claimed

    phone.reload()
    rendered = phone.locator(".chat-msg-caseworker .chat-text", has_text=REPLY)
    assert rendered.get_attribute("lang") == "da"  # as the server renders it
    phone.goto("/min-side?lang=da")
    assert phone.locator(".chat-msg-caseworker .chat-text", has_text=REPLY).get_attribute("lang") is None
    assert desk.locator(".staff-log .chat-msg-caseworker .chat-text", has_text=REPLY).get_attribute("lang") is None
