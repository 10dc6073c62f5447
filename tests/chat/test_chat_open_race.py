"""Opening a conversation twice at once (a double click on the first quick reply sends two first messages): one
request creates the conversation, the other uses that row instead of failing on the unique sender id with a 500.
Runs on SQLite and, in the PostgreSQL leg, on PostgreSQL."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.chat import ChatConversation, ChatMessage
from portal.services.chat import chat as chat_service
from portal.timeutil import utcnow
from tests.chat.test_chat_support import flyer_sender, say


def _open_and_wait(app, sender_id: str, opened: threading.Event, release: threading.Event, out: dict) -> None:
    """Create the conversation and hold the transaction open until released (the first request's turn)."""
    with app.app_context():
        try:
            conversation = chat_service.open_conversation(db.session, sender_id=sender_id, source="rest",
                                                          now=utcnow())
            opened.set()
            assert release.wait(20)
            db.session.commit()
            out["first"] = conversation.id
        except Exception as err:  # noqa: BLE001 (reported to the test thread)
            db.session.rollback()
            out["error_first"] = err
            opened.set()
        finally:
            db.session.remove()


def _open(app, sender_id: str, out: dict) -> None:
    with app.app_context():
        try:
            conversation = chat_service.open_conversation(db.session, sender_id=sender_id, source="rest",
                                                          now=utcnow())
            db.session.commit()
            out["second"] = conversation.id
        except Exception as err:  # noqa: BLE001 (reported to the test thread)
            db.session.rollback()
            out["error_second"] = err
        finally:
            db.session.remove()


def test_two_requests_opening_the_same_conversation_share_one_row(app, session):
    opened, release, out = threading.Event(), threading.Event(), {}
    first = threading.Thread(target=_open_and_wait, args=(app, "race-sender", opened, release, out))
    first.start()
    assert opened.wait(20)
    second = threading.Thread(target=_open, args=(app, "race-sender", out))
    second.start()
    second.join(1.0)
    assert second.is_alive(), out  # its insert waits for the first transaction
    release.set()
    first.join(30)
    second.join(30)

    assert "error_first" not in out and "error_second" not in out, out
    assert out["first"] == out["second"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ChatConversation)
                          .where(ChatConversation.sender_id == "race-sender")) == 1


def test_webhook_answers_when_another_request_made_the_conversation_meanwhile(client, session, monkeypatch):
    sender = flyer_sender(client)
    say(client, sender, "/greet")
    made = session.scalar(select(ChatConversation).where(ChatConversation.sender_id == sender))
    real_lookup = chat_service.conversation_for_sender
    misses = {"left": 2}

    def looked_before_the_other_commit(db_session, sender_id):
        # the second request's two look-ups (the view's and open_conversation's) ran before the first committed
        if sender_id == sender and misses["left"]:
            misses["left"] -= 1
            return None
        return real_lookup(db_session, sender_id)

    monkeypatch.setattr(chat_service, "conversation_for_sender", looked_before_the_other_commit)
    replies = say(client, sender, "/greet")

    assert misses["left"] == 0
    assert replies and replies[0]["text"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ChatConversation)
                          .where(ChatConversation.sender_id == sender)) == 1
    assert session.scalar(select(func.count()).select_from(ChatMessage).where(
        ChatMessage.conversation_id == made.id, ChatMessage.sender == "user")) == 2
