"""The session a chatbot action works in (issue 20): the embedded runtime hands over its caller's session on the
dispatcher; the standalone action server (a plain rasa-sdk dispatcher) opens and commits its own."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from chatbot.actions import bridge
from chatbot.runtime import get_agent
from chatbot.runtime.agent import Agent, SessionDispatcher
from portal.models import Consent
from portal.services.chat import chat as chat_service
from portal.timeutil import utcnow


class RecordingExecutor:
    """Stands in for rasa-sdk's ActionExecutor: notes which session each action was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    async def run(self, call: dict, dispatcher=None):
        self.calls.append((call["next_action"], getattr(dispatcher, "session", None)))  # no result: no messages


def test_the_runtime_hands_the_callers_session_to_each_action(app):
    executor = RecordingExecutor()
    agent = Agent(get_agent().project, get_agent().nlu, executor=executor)
    callers_session = object()
    agent.handle(None, "/ask_offers", sender_id="session-test", slots={"language": "da"}, session=callers_session)
    assert executor.calls == [("action_list_offers", callers_session)]


def test_an_action_works_in_the_session_the_runtime_gave_it(session):
    with bridge.portal_session(SessionDispatcher(session)) as given:
        assert given is session


def test_an_action_inside_the_portal_without_a_session_is_refused(app):
    with pytest.raises(RuntimeError, match="caller's session"), bridge.portal_session(CollectingDispatcher()):
        pass


def test_what_an_action_writes_is_in_the_callers_transaction_until_the_caller_commits(session):
    conversation = chat_service.open_conversation(session, sender_id="session-consent", source="flyer", now=utcnow())
    session.commit()
    chat_service.handle_user_message(session, conversation, "/give_consent", now=utcnow(), agent=get_agent())
    assert session.scalar(select(func.count()).select_from(Consent)) == 1  # the action's row, not committed yet
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Consent)) == 0
