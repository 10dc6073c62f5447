"""The dismissed member's journey through the chat, over HTTP: flyer link → consent → register → book → human."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import AuditEntry, Booking, Consent, Member
from portal.models.chat import ChatConversation, ChatMessage, Handoff
from portal.services.chat.flyer import campaign_token
from tests.chat.test_chat_support import flyer_sender, give_hours, say, texts


def test_flyer_visitor_registers_books_and_asks_for_a_human(app, client, session, make):
    odense = make.location("Odense")
    caseworker = make.caseworker("sagsbehandler1", location=odense, display_name="Hanne Holm")
    give_hours(session, caseworker)
    make.commit()
    token = campaign_token(app.config["SECRET_KEY"], odense)
    sender = flyer_sender(client, token)

    replies = say(client, sender, "hej")
    assert "chatbot" in texts(replies).lower()
    assert any(b["payload"] == "/book_conversation" for b in replies[0]["buttons"])

    # Booking needs consent first: the bot asks, in plain words, with purpose and how to withdraw.
    replies = say(client, sender, "jeg vil gerne booke en samtale")
    assert "samtykke" in texts(replies)
    assert "trække samtykket tilbage" in texts(replies)
    assert session.scalar(select(Consent)) is None

    replies = say(client, sender, "/give_consent")
    consent = session.scalar(select(Consent))
    assert consent is not None and consent.purpose == "chat_contact" and consent.source == "chatbot"
    assert "Formål" in consent.text_shown
    assert "Hvad er dit fulde navn?" in texts(replies) or "registreret" in texts(replies)

    # Not a member yet: the bot offers registration (pending booking is resumed afterwards).
    if "registreres" in texts(replies):
        replies = say(client, sender, "ja")
    assert "fulde navn" in texts(replies)
    replies = say(client, sender, "Birgit Sørensen")
    assert "fødselsdato" in texts(replies)
    # A date that cannot be read and one that cannot be right get different answers (a date in the future used to
    # be "could not read").
    assert "kunne ikke læse fødselsdatoen" in texts(say(client, sender, "32-13-1970"))
    assert "kan ikke passe" in texts(say(client, sender, "01-01-2030"))
    replies = say(client, sender, "05-05-1970")
    assert "e-mail" in texts(replies)
    replies = say(client, sender, "ikke en adresse")
    assert "hverken en e-mailadresse" in texts(replies)
    replies = say(client, sender, "birgit@eksempel.dk")
    notice_end = (app.config.get("TODAY") or __import__("datetime").date.today()) + timedelta(days=60)
    replies = say(client, sender, notice_end.strftime("%d-%m-%Y"))
    # The flyer named Odense, so the location is already known: registration completes.
    member = session.scalar(select(Member).where(Member.email == "birgit@eksempel.dk"))
    assert member is not None, texts(replies)
    assert member.status == "opsagt" and member.mark_o and member.notice_end_date == notice_end
    assert member.location_id == odense.id
    assert "registreret som opsagt medlem" in texts(replies)
    assert consent.member_id == member.id

    # The booking resumes: channel question with buttons.
    assert "Hvordan vil du helst holde samtalen?" in texts(replies)
    replies = say(client, sender, '/book_conversation{"channel":"phone"}')
    # A phone conversation needs a number, and the registration gave only an e-mail: the bot asks for it.
    assert "telefonnummer" in texts(replies)
    replies = say(client, sender, "ring til mig")
    assert "ikke et dansk telefonnummer" in texts(replies)
    replies = say(client, sender, "20 30 40 50")
    assert "+45 20 30 40 50" in texts(replies)  # as people read it
    slot_buttons = [b for b in replies[-1]["buttons"] if "slot_choice" in b["payload"]]
    assert slot_buttons, texts(replies)
    assert "Hanne Holm" in slot_buttons[0]["title"]

    replies = say(client, sender, slot_buttons[0]["payload"])
    booking = session.scalar(select(Booking).where(Booking.member_id == member.id))
    assert booking is not None and booking.channel == "phone" and booking.caseworker_id == caseworker.id
    assert "Din samtale er booket" in texts(replies)

    # Asking again offers no second first conversation: the bot names the one booked (moving it is on Min side).
    replies = say(client, sender, "jeg vil gerne booke en samtale")
    assert "Du har allerede en" in texts(replies), texts(replies)
    assert not [b for r in replies for b in r.get("buttons", []) if "slot_choice" in b["payload"]]
    # ... and the buttons under the chat no longer offer "Book en samtale" (it led only to that answer, again and
    # again): "when is my next conversation?" instead.
    offered = [b["title"] for b in client.get(f"/chat/beskeder?sender={sender}").get_json()["buttons"]]
    assert "Book en samtale" not in offered and "Hvornår er min næste samtale?" in offered, offered
    assert len(session.scalars(select(Booking).where(Booking.member_id == member.id)).all()) == 1

    # Ask for a human: handed to the location queue with context; the bot goes silent.
    replies = say(client, sender, "jeg vil tale med et menneske")
    handoff = session.scalar(select(Handoff))
    assert handoff is not None and handoff.status == "waiting" and handoff.location_id == odense.id
    assert handoff.context["consent"] is True and handoff.member_id == member.id
    assert "book_conversation" in [i["intent"] for i in handoff.context["intents"]]
    assert "FOA A-kasse Odense" in texts(replies)

    # Nobody has taken it yet: the message waits for the person, and the member is told so.
    assert "i kø hos" in texts(say(client, sender, "hallo? er der nogen?"))
    conversation = session.scalar(select(ChatConversation))
    assert conversation.state == "handed_off"
    said = session.scalars(select(ChatMessage).where(ChatMessage.sender == "user")
                           .order_by(ChatMessage.id.desc())).first()
    assert said.text == "hallo? er der nogen?"
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"consent.give", "member.register_from_chat", "booking.create", "handoff.request"} <= actions
