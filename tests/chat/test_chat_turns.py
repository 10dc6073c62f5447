"""One turn at a time per conversation: a message sent before the last answer's request has finished waits for it
and continues from what it stored (the phone journey lost the member's choice of "Telefon" this way under load)."""
from __future__ import annotations

import threading

from sqlalchemy import select

from portal.extensions import db
from portal.models.chat import ChatConversation
from portal.services.chat import chat as chat_service
from portal.timeutil import utcnow


class HoldingAgent:
    """Stands in for the dialogue runtime: counts turns in the tracker; the first turn waits until released."""

    def __init__(self, nlu) -> None:
        self.nlu = nlu
        self.first_inside = threading.Event()
        self.release_first = threading.Event()
        self.seen: list[int] = []

    def handle(self, state, text, *, sender_id, slots=None, session=None, action_guard=None):
        turns = (state or {}).get("turns", 0)
        self.seen.append(turns)
        if turns == 0:
            self.first_inside.set()
            assert self.release_first.wait(20)
        return [{"recipient_id": sender_id, "text": f"svar {turns + 1}"}], {**(state or {}), "turns": turns + 1}, {}


def _turn(app, agent, sender_id: str, text: str, errors: list) -> None:
    with app.app_context():
        try:
            conversation = chat_service.conversation_for_sender(db.session, sender_id)
            chat_service.handle_user_message(db.session, conversation, text, now=utcnow(), agent=agent)
            db.session.commit()
        except Exception as err:  # noqa: BLE001 (reported to the test thread)
            db.session.rollback()
            errors.append(err)
        finally:
            db.session.remove()


def test_a_second_message_waits_for_the_first_turn_and_continues_from_its_state(app, session):
    from chatbot.runtime.nlu import load_or_train

    conversation = chat_service.open_conversation(session, sender_id="turns-test", source="rest", now=utcnow(),
                                                  language="da")
    session.commit()
    agent = HoldingAgent(load_or_train(None))
    errors: list = []
    first = threading.Thread(target=_turn, args=(app, agent, "turns-test", "Telefon", errors))
    first.start()
    assert agent.first_inside.wait(20)
    second = threading.Thread(target=_turn, args=(app, agent, "turns-test", "mit nummer er 1234", errors))
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waiting for the first turn, not reading its old state
    agent.release_first.set()
    first.join(30)
    second.join(30)

    assert not errors, errors
    assert agent.seen == [0, 1]  # the second turn saw what the first one stored
    session.expire_all()
    stored = session.scalar(select(ChatConversation).where(ChatConversation.id == conversation.id))
    assert stored.tracker["turns"] == 2
