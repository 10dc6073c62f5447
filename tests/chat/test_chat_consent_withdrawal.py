"""Withdrawing the chat consent leaves nothing the person wrote or answered: conversations nobody else needs are
deleted, those a caseworker has had stay as bare records for the handoff, and the member is told which."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal.models import Consent, Member
from portal.models.chat import ChatConversation, ChatMessage, Handoff
from portal.services.chat import chat as chat_service
from portal.services.chat import handoff as handoff_service
from portal.services.chat.chat_transcript import add_message
from portal.timeutil import utcnow
from tests.chat.test_chat_member_status import minside_sender
from tests.chat.test_chat_support import say, texts


def chatted_and_handed_off(client, auth, make, session) -> Member:
    """A member who gave the chat consent on Min side and chose a phone conversation, with an older chat a
    caseworker took."""
    make.member("medlem", status="opsagt", phone=None)
    make.commit()
    auth.login("medlem")
    sender = minside_sender(client)
    say(client, sender, "/give_consent")
    say(client, sender, "/book_conversation")
    assert "telefonnummer" in texts(say(client, sender, '/book_conversation{"channel":"phone"}'))
    member = session.scalar(select(Member))
    older = chat_service.open_conversation(session, sender_id="older", source="minside", now=utcnow(), member=member)
    older.consent_given = True
    older.tracker = {"slots": {"language": "da", "channel": "video", "consent": True}}
    add_message(session, older, sender="user", text="Jeg har ondt i ryggen", now=utcnow())
    handoff_service.request_handoff(session, older, reason="request_human", context={"intents": []}, now=utcnow())
    make.commit()
    return member


def withdraw(auth, session) -> str:
    consent = session.scalar(select(Consent).where(Consent.purpose == "chat_contact"))
    response = auth.post(f"/min-side/mine-data/samtykke/{consent.id}/tilbagekald", page="/min-side/mine-data",
                         follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_withdrawing_on_min_side_deletes_what_was_written_and_answered(client, auth, make, session):
    member = chatted_and_handed_off(client, auth, make, session)
    page = withdraw(auth, session)
    assert "Chatsamtalerne er slettet med alt, hvad du skrev og svarede i dem." in page
    assert "1 af dem har en medarbejder haft: de står tilbage som tomme poster" in page
    session.expire_all()
    assert session.scalars(select(ChatMessage)).all() == []
    (kept,) = session.scalars(select(ChatConversation)).all()  # only the one a handoff points at
    assert kept.sender_id == "older" and not kept.consent_given
    kept_slots = kept.tracker["slots"]
    assert kept_slots["language"] == "da" and kept_slots["consent"] is False and kept.tracker["events"] == []
    assert not any(value for name, value in kept_slots.items() if name not in ("language", "consent"))
    assert session.scalar(select(Handoff)).context["consent"] is False
    assert "Chatsamtaler (1)" in client.get("/min-side/mine-data").get_data(as_text=True)
    export = json.loads(client.get("/min-side/mine-data/download").get_data(as_text=True))
    (row,) = export["records"]["chat_conversation"]
    slots = row["tracker"]["slots"]
    assert slots.get("channel") is None and slots["consent"] is False
    assert not any(value for name, value in slots.items() if name != "language")
    assert member.id == row["member_id"]


def test_withdrawing_with_nothing_handed_off_deletes_the_conversations(client, auth, make, session):
    make.member("medlem", status="ledig")
    make.commit()
    auth.login("medlem")
    sender = minside_sender(client)
    say(client, sender, "/give_consent")
    page = withdraw(auth, session)
    assert "Chatsamtalerne er slettet med alt" in page and "medarbejder haft" not in page
    session.expire_all()
    assert session.scalars(select(ChatConversation)).all() == []
    assert "Chatsamtaler (" not in client.get("/min-side/mine-data").get_data(as_text=True)
    # The widget still works: the next message opens a new conversation.
    assert say(client, sender, "hej")


def test_withdrawing_in_the_chat_empties_the_dialogue_but_keeps_the_chat_open(client, auth, make, session):
    chatted_and_handed_off(client, auth, make, session)
    # the chat she wrote in (Min side itself now opens the older one, where she waits for a person)
    sender = session.scalar(select(ChatConversation.sender_id).where(ChatConversation.sender_id != "older"))
    replies = say(client, sender, "/withdraw_consent")
    assert "Dit samtykke er trukket tilbage" in texts(replies)
    session.expire_all()
    current = chat_service.conversation_for_sender(session, sender)
    assert current is not None and not current.consent_given
    assert current.tracker["slots"].get("channel") is None and current.tracker["slots"]["consent"] is False
    consent = session.scalar(select(Consent).where(Consent.purpose == "chat_contact"))
    assert "Chatten, du skriver i, er tømt" in consent.withdrawal_effect
    # Afterwards a booking asks again from the start, with consent first.
    assert "samtykke" in texts(say(client, sender, "/book_conversation"))


def test_the_summary_says_what_happened():
    assert chat_service.withdrawal_summary(0, 0, 0) is None
    assert chat_service.withdrawal_summary(2) == "Chatsamtalerne er slettet med alt, hvad du skrev og svarede i dem."
    assert chat_service.withdrawal_summary(0, 0, 1) == "Chatten, du skriver i, er tømt og gemmer ikke mere fra dig."
