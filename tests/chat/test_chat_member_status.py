"""On Min side the bot knows the signed-in member's status: offers, greeting and consent wording fit a member who is
unemployed, sick-listed or in work (the dismissed member's script stays the flyer's), and "when is my next
conversation?" is answered from the member's own bookings and contact course."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import Booking, Consent, Member
from portal.timeutil import utcnow
from tests.chat.test_chat_support import flyer_sender, say, texts

NOTICE_PERIOD_WORDS = ("opsigelsesperiode", "Mens du stadig er i job", "melde dig ledig", "Tryghedspuljen",
                       "notice period", "given notice")


def minside_sender(client) -> str:
    page = client.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    return re.search(r'data-sender="([^"]+)"', page).group(1)


def signed_in(client, auth, make, status: str, **kwargs) -> str:
    make.member("medlem", status=status, **kwargs)
    make.commit()
    auth.login("medlem")
    return minside_sender(client)


def buttons(replies) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]


def test_an_unemployed_member_is_offered_what_an_unemployed_member_gets(client, auth, make):
    sender = signed_in(client, auth, make, "ledig")
    replies = say(client, sender, "Hvad kan I tilbyde mig?")
    assert "Mens du er ledig" in texts(replies)
    assert not any(word in texts(replies) + " ".join(buttons(replies)) for word in NOTICE_PERIOD_WORDS)
    assert "Hvornår er min næste samtale?" in buttons(replies)


def test_the_consent_wording_fits_an_unemployed_member_and_is_stored_as_shown(client, auth, make, session):
    sender = signed_in(client, auth, make, "ledig")
    asked = texts(say(client, sender, '/fvu{"session_kind":"fvu"}'))  # signing up for FVU stores her choice
    assert "mens du er ledig" in asked and "opsigelse" not in asked
    say(client, sender, "/give_consent")
    consent = session.scalar(select(Consent))
    assert "mens du er ledig" in consent.text_shown and "opsigelse" not in consent.text_shown


def test_a_sick_listed_member_gets_the_sick_leave_offers_in_english(client, auth, make):
    sender = signed_in(client, auth, make, "sygemeldt")
    replies = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "What can you offer me?",
                                                         "metadata": {"language": "en"}}).get_json()
    assert "While you are on sick leave" in texts(replies)
    assert not any(word in texts(replies) + " ".join(buttons(replies)) for word in NOTICE_PERIOD_WORDS)


def test_the_flyer_chat_keeps_the_dismissed_members_script(client):
    sender = flyer_sender(client)
    assert "Mens du stadig er i job" in texts(say(client, sender, "Hvad kan I tilbyde mig?"))
    assert "opsigelsesperioden" in texts(say(client, sender, "Book en samtale"))


def test_next_conversation_is_the_members_own_booking(client, auth, make, session):
    sender = signed_in(client, auth, make, "ledig", weeks_unemployed=1)
    member = session.scalar(select(Member))
    caseworker = make.caseworker("hanne", location=member.location)
    starts = (utcnow() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    session.add(Booking(uid=f"b-{uuid.uuid4().hex}", member_id=member.id, caseworker_id=caseworker.id,
                        location_id=member.location_id, type="cv", channel="in_person", starts_at=starts,
                        ends_at=starts + timedelta(hours=1), created_at=utcnow(), updated_at=utcnow()))
    make.commit()
    replies = say(client, sender, "Hvornår skal jeg til min næste samtale?")
    said = texts(replies)
    assert said.startswith("Din næste samtale er") and "CV-samtale" in said and caseworker.name in said
    assert "samtykke" not in said  # reading your own bookings stores nothing: no consent question first
    # The contact-course conversation due with the CV conversation is not booked: the bot says so, and where to
    # book it (the chat books only the notice-period conversation, so no button that would lead nowhere).
    assert "Kontaktforløbssamtale" in said and "Book den på Min side under »Book samtale«" in said
    assert "Book en samtale" not in buttons(replies)


def test_next_conversation_without_a_booking_is_the_overdue_statutory_step(client, auth, make):
    sender = signed_in(client, auth, make, "ledig", weeks_unemployed=5)
    replies = say(client, sender, "Hvornår er min næste samtale?")
    assert "CV-samtale" in texts(replies) and "skulle have været holdt senest" in texts(replies)
    assert "Book den nu på Min side under »Book samtale«" in texts(replies)
    assert {"title": "Tal med en medarbejder", "payload": "/request_human"} in replies[-1]["buttons"]
    # Asked in English on a Danish page: the step's name and date are English too.
    english = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "When is my next meeting?",
                                                         "metadata": {"language": "en"}}).get_json()
    assert "CV conversation" in texts(english) and "should have been held by" in texts(english), texts(english)


@pytest.mark.parametrize("status", ["sygemeldt", "i_job"])
def test_next_conversation_without_a_course_or_booking_offers_to_book(client, auth, make, status):
    sender = signed_in(client, auth, make, status)
    replies = say(client, sender, "hvornår er min næste samtale")
    assert texts(replies) == "Du har ingen samtale booket hos os lige nu. Vil du booke en?"
    assert "Book en samtale" in buttons(replies)


@pytest.mark.parametrize("status", ["ledig", "sygemeldt", "i_job"])
def test_booking_in_the_chat_sends_a_member_not_in_notice_to_min_side_with_their_types(client, auth, make, session,
                                                                                       status):
    sender = signed_in(client, auth, make, status, target_group="2a")
    said = texts(say(client, sender, "Book en samtale"))
    assert "booker du på Min side under »Book samtale«" in said, said
    assert "samtykke" not in said and session.scalar(select(Consent)) is None  # nothing stored, nothing asked
    if status == "ledig":
        assert "CV-samtale" in said and "fokussamtale" in said and "samtale om, hvordan du kommer videre" not in said
    else:
        assert "CV-samtale" not in said and "opfølgning pr. telefon og opfølgning pr. video" in said
    english = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "I want to book a meeting",
                                                         "metadata": {"language": "en"}}).get_json()
    assert 'you book on My page under "Book a conversation"' in texts(english)
    assert "and follow-up by video" in texts(english)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_member_in_notice_books_in_the_chat_on_min_side_too(client, auth, make, session):
    sender = signed_in(client, auth, make, "opsagt")
    assert "samtykke" in texts(say(client, sender, "Book en samtale"))  # the booking itself starts
    # With the conversation booked already (on Min side), the chat says so at once: no consent, no channel question.
    member = session.scalar(select(Member))
    caseworker = make.caseworker("hanne", location=member.location)
    starts = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    session.add(Booking(uid=f"b-{uuid.uuid4().hex}", member_id=member.id, caseworker_id=caseworker.id,
                        location_id=member.location_id, type="dismissed_first", channel="phone", starts_at=starts,
                        ends_at=starts + timedelta(minutes=45), created_at=utcnow(), updated_at=utcnow()))
    make.commit()
    said = texts(say(client, signed_in_again(client), "Book en samtale"))
    assert said.startswith("Du har allerede en samtale om, hvordan du kommer videre"), said
    assert "samtykke" not in said and "Hvordan vil du helst holde samtalen?" not in said


def signed_in_again(client) -> str:
    return minside_sender(client)  # a new chat on Min side, as after a reload


def test_next_conversation_before_registration_on_the_flyer(client):
    replies = say(client, flyer_sender(client), "hvornår er min næste samtale")
    assert "Jeg kan kun se dine samtaler" in texts(replies) and "Book en samtale" in buttons(replies)


def test_the_member_status_slot_follows_the_member(make, session):
    from portal.services.chat import chat as chat_service

    member = make.member("mette", status="sygemeldt")
    conversation = chat_service.open_conversation(session, sender_id="s-1", source="minside", now=utcnow(),
                                                  member=member)
    assert chat_service.bot_slots(session, conversation)["member_status"] == "sygemeldt"
    member.status = "i_job"
    assert chat_service.bot_slots(session, conversation)["member_status"] == "i_job"
    anonymous = chat_service.open_conversation(session, sender_id="s-2", source="flyer", now=utcnow())
    assert chat_service.bot_slots(session, anonymous)["member_status"] is None



@pytest.mark.parametrize("status,first", [("ledig", "Hvornår er min næste samtale?"),
                                          ("sygemeldt", "Hvornår er min næste samtale?"),
                                          ("opsagt", "Book en samtale")])
def test_the_chats_first_buttons_on_min_side_fit_the_member(client, auth, make, status, first):
    """The chat books only the notice-period conversation: others are first offered their next conversation."""
    make.member("medlem", status=status)
    make.commit()
    auth.login("medlem")
    page = client.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    titles = re.findall(r'class="chat-quick">([^<]+)<', page)
    assert titles[0] == first, titles
    assert ("Book en samtale" in titles) == (status == "opsagt")


def test_a_round_table_conversation_is_not_offered_to_be_moved_on_min_side(client, auth, make, session):
    sender = signed_in(client, auth, make, "sygemeldt")
    member = session.scalar(select(Member))
    caseworker = make.caseworker("hanne", location=member.location)
    starts = (utcnow() + timedelta(days=5)).replace(second=0, microsecond=0)
    session.add(Booking(uid=f"b-{uuid.uuid4().hex}", member_id=member.id, caseworker_id=caseworker.id,
                        location_id=member.location_id, type="round_table", channel="in_person", starts_at=starts,
                        ends_at=starts + timedelta(hours=1), with_jobcenter=True, created_at=utcnow(),
                        updated_at=utcnow()))
    make.commit()
    said = texts(say(client, sender, "Hvornår er min næste samtale?"))
    assert said.startswith("Din næste samtale er") and "Du kan se den på Min side." in said
    assert "sammen med jobcentret" in said and "Du kan se, flytte eller aflyse" not in said
    english = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "When is my next meeting?",
                                                         "metadata": {"language": "en"}}).get_json()
    assert "You can see it on My page. Your caseworker arranged" in texts(english), texts(english)
    assert ": round-table conversation with the job centre with" in texts(english)  # named in the chat's language
