"""A yes/no question answered with something the bot does not understand (a name typed at the consent question,
a long paste): the question again, once, with its buttons, instead of guesses at unrelated topics that led the
person away from it (walk-through, 5 December)."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import Consent
from tests.chat.test_chat_support import flyer_sender, say, texts


def _consent_question(client, sender) -> list[dict]:
    replies = say(client, sender, "Book en samtale")
    assert "samtykke" in texts(replies).lower() or "gemme" in texts(replies).lower(), texts(replies)
    return replies


def test_a_name_typed_at_the_consent_question_gets_the_question_again(client, session):
    sender = flyer_sender(client)
    asked = _consent_question(client, sender)
    question = asked[-1]["text"]
    replies = say(client, sender, "Lars Testesen")
    assert "ja eller et nej" in texts(replies) and replies[-1]["text"] == question
    assert replies[-1].get("buttons") == asked[-1].get("buttons")
    assert "FVU" not in texts(replies) and "Mente du" not in texts(replies)
    assert session.scalar(select(Consent)) is None
    say(client, sender, "ja")
    assert session.scalar(select(Consent)) is not None  # the answer to the question asked again counts


def test_a_second_miss_goes_the_ordinary_way(client):
    sender = flyer_sender(client)
    _consent_question(client, sender)
    assert "ja eller et nej" in texts(say(client, sender, "x" * 2000))
    replies = say(client, sender, "qwerty asdf zxcv")
    assert "ja eller et nej" not in texts(replies)


def test_a_question_of_its_own_gets_the_ordinary_guesses():
    from chatbot.runtime.agent import looks_like_question

    assert looks_like_question("kan jeg komme på kursus") and looks_like_question("Lars?")
    assert not looks_like_question("Lars Testesen") and not looks_like_question("x" * 50)
