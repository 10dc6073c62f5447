"""Leaving a form: a clear request for a person interrupts any question and goes to the handoff flow, and
"Afbryd" forgets the cancelled answers, so the next booking asks again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models.chat import Handoff
from tests.chat.test_chat_member_status import minside_sender
from tests.chat.test_chat_support import say, texts

PHONE_QUESTION = "Hvilket telefonnummer skal vejlederen ringe til?"


def at_the_phone_question(client, auth, make) -> str:
    make.member("mette", status="opsagt", phone=None)
    make.commit()
    auth.login("mette")
    sender = minside_sender(client)
    say(client, sender, "/give_consent")
    assert "Hvordan vil du helst holde samtalen?" in texts(say(client, sender, "/book_conversation"))
    assert PHONE_QUESTION in texts(say(client, sender, '/book_conversation{"channel":"phone"}'))
    return sender


@pytest.mark.parametrize("request_for_a_person", ["menneske", "jeg vil tale med en medarbejder"])
def test_asking_for_a_person_at_a_form_question_hands_off(client, auth, make, session, request_for_a_person):
    sender = at_the_phone_question(client, auth, make)
    said = texts(say(client, sender, request_for_a_person))
    assert "Jeg har sendt samtalen videre" in said, said
    assert "telefonnummer" not in said
    assert session.scalar(select(Handoff)) is not None


def test_asking_for_a_person_before_consent_at_a_form_question_asks_for_consent(client, auth, make):
    sender = at_the_phone_question(client, auth, make)
    from portal.extensions import db
    from portal.services.chat import chat as chat_service

    conversation = chat_service.conversation_for_sender(db.session, sender)
    conversation.consent_given = False  # e.g. a form reached before the rule needed consent
    db.session.commit()
    said = texts(say(client, sender, "menneske"))
    assert "skal samtalen gemmes" in said and "telefonnummer" not in said


def test_cancelling_forgets_the_cancelled_answers(client, auth, make):
    sender = at_the_phone_question(client, auth, make)
    assert "Ok, jeg har afbrudt" in texts(say(client, sender, "/deny"))
    again = texts(say(client, sender, "/book_conversation"))
    assert "Hvordan vil du helst holde samtalen?" in again and PHONE_QUESTION not in again


def test_typed_afbryd_also_forgets_the_answers(client, auth, make):
    sender = at_the_phone_question(client, auth, make)
    assert "Ok, jeg har afbrudt" in texts(say(client, sender, "afbryd"))
    assert PHONE_QUESTION not in texts(say(client, sender, "Book en samtale"))


def test_a_phone_number_is_still_taken_as_the_answer(client, auth, make):
    sender = at_the_phone_question(client, auth, make)
    assert "Tak. Vi ringer til dig på" in texts(say(client, sender, "20 30 40 50"))
