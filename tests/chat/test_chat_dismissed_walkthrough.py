"""A dismissed member's journey as the tester walked it (7 December): "tilbage" is not a withdrawal, her Min side
chat follows her (not the browser), a typed e-mail never tells whether it is a member's, the webinar list leaves out
what she cannot sign up for, the widget's introduction is true for her, and the caseworker sees what happened."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import Consent, Member
from portal.models.chat import ChatConversation, Handoff
from portal.models.messaging import OutboxMessage
from portal.services.chat import handoff as handoff_service
from portal.timeutil import local_today, utcnow
from tests.chat.test_chat_member_status import minside_sender, signed_in
from tests.chat.test_chat_support import flyer_sender, give_hours, say, texts
from tests.chat.test_chat_widget import visible_intro


def _titles(replies) -> list[str]:
    return [b["title"] for b in replies[-1].get("buttons", [])]


# ---- 1. "tilbage" and "slet" ------------------------------------------------------------------------------------

@pytest.mark.parametrize("back", ["tilbage", "gå tilbage", "jeg vil tilbage", "go back"])
def test_back_in_the_middle_of_registration_asks_the_question_again(client, session, back):
    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    say(client, sender, "/affirm")
    say(client, sender, "Birgit Sørensen")
    replies = say(client, sender, back)
    assert "ikke gå tilbage" in texts(replies) and replies[-1]["text"].startswith("Hvad er din fødselsdato?")
    assert session.scalar(select(Consent)).withdrawn_at is None
    replies = say(client, sender, "05-05-1970")  # the registration goes on where she was
    assert "e-mail" in texts(replies), texts(replies)


def test_slet_is_asked_back_and_no_goes_on_where_she_was(client, session):
    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    say(client, sender, "/affirm")
    replies = say(client, sender, "slet")
    assert _titles(replies) == ["Ja, slet min chat", "Nej, fortsæt"]
    assert session.scalar(select(Consent)).withdrawn_at is None
    replies = say(client, sender, "nej")
    assert "intet er slettet" in texts(replies) and replies[-1]["text"] == "Hvad er dit fulde navn?"
    assert "e-mail" not in texts(say(client, sender, "Birgit Sørensen")) and \
        session.scalar(select(Consent)).withdrawn_at is None
    assert "/withdraw_consent" in str(say(client, sender, "jeg vil have mine data slettet"))
    assert "trukket tilbage" in texts(say(client, sender, "ja tak"))


def test_slet_while_waiting_for_a_person_keeps_the_handoff_waiting(client, session):
    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    say(client, sender, "/request_human")
    replies = say(client, sender, "slet")
    assert "Ja, slet min chat" in _titles(replies)
    assert session.scalar(select(Handoff)).status == "waiting"
    say(client, sender, "nej")
    session.expire_all()
    assert session.scalar(select(Handoff)).status == "waiting"
    assert session.scalar(select(Consent)).withdrawn_at is None


def test_no_withdrawal_example_is_a_way_back_a_call_back_or_a_regret():
    from chatbot.runtime.nlu import normalise, training_examples
    from chatbot.runtime.project import load_project

    withdrawals = {normalise(e.text) for e in training_examples(load_project()) if e.intent == "withdraw_consent"}
    for text in ("tilbage", "gå tilbage", "jeg vil tilbage", "ring mig tilbage", "jeg fortryder"):
        assert not any(normalise(text) in example.split(",")[0] and "samtyk" not in example
                       for example in withdrawals if example.startswith(normalise(text))), text
    from chatbot.runtime import get_agent

    assert get_agent().nlu.parse("ring mig tilbage")["intent"]["name"] == "request_human"


# ---- 2. her Min side chat follows her ---------------------------------------------------------------------------

def test_min_side_continues_her_waiting_chat_on_another_device_and_opens_no_second_handoff(app, client, auth, make,
                                                                                           session):
    sender = signed_in(client, auth, make, "opsagt", mark_o=True)
    say(client, sender, "/give_consent")
    say(client, sender, "kan jeg tale med et menneske")
    assert session.scalar(select(func.count()).select_from(Handoff)) == 1
    other = app.test_client()  # another device, a new login
    from tests.conftest import AuthActions

    AuthActions(other).login("medlem")
    again = minside_sender(other)
    assert again == sender
    page = other.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    assert "kan jeg tale med et menneske" in page
    say(other, again, "/request_human")
    assert session.scalar(select(func.count()).select_from(Handoff)) == 1


def test_a_second_chat_of_hers_joins_the_waiting_handoff(client, auth, make, session):
    sender = signed_in(client, auth, make, "opsagt", mark_o=True)
    say(client, sender, "/give_consent")
    say(client, sender, "/request_human")
    member = session.scalar(select(Member))
    from portal.services.chat import chat as chat_service

    second = chat_service.open_conversation(session, sender_id="second-device", source="minside", now=utcnow(),
                                            member=member)
    second.consent_given = True
    make.commit()
    replies = say(client, "second-device", "jeg vil gerne tale med en medarbejder om min opsigelse")
    assert "lagt din besked" in texts(replies)
    assert session.scalar(select(func.count()).select_from(Handoff)) == 1
    handoff = session.scalar(select(Handoff))
    assert "jeg vil gerne tale med en medarbejder om min opsigelse" in [m.text for m in handoff.conversation.messages]


def test_an_anonymous_flyer_chat_is_not_hers_when_the_browser_signs_in(client, auth, make, session):
    flyer = flyer_sender(client)
    say(client, flyer, "/give_consent")
    say(client, flyer, "hemmelig besked fra en anden")
    make.member("medlem", status="opsagt")
    make.commit()
    auth.login("medlem")
    mine = minside_sender(client)
    assert mine != flyer
    assert "hemmelig besked" not in client.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    say(client, flyer, "endnu en")  # the old sender still works, and still names nobody
    session.expire_all()
    assert session.scalar(select(ChatConversation).where(ChatConversation.sender_id == flyer)).member_id is None


def test_a_member_never_gets_another_members_chat(client, auth, make, session):
    sender = signed_in(client, auth, make, "opsagt")
    say(client, sender, "/give_consent")
    say(client, sender, "/request_human")
    make.member("anden", status="ledig")
    make.commit()
    auth.logout()
    auth.login("anden")
    assert minside_sender(client) != sender
    assert client.get(f"/chat/beskeder?sender={sender}&after=0").status_code == 400


# ---- 4. a typed e-mail never tells ------------------------------------------------------------------------------

def test_registering_with_a_members_email_tells_nothing_and_sends_her_a_link(client, make, session):
    existing = make.member("opsagt", status="opsagt", email="opsagt@eksempel.dk")
    make.location("Odense")
    make.commit()
    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    say(client, sender, "/affirm")
    say(client, sender, "Karin Nielsen")
    say(client, sender, "05-05-1970")
    say(client, sender, "opsagt@eksempel.dk")
    say(client, sender, (local_today() + timedelta(days=60)).strftime("%d-%m-%Y"))
    replies = texts(say(client, sender, "Odense"))
    assert "Hvis du allerede er medlem" in replies
    assert "allerede et medlem" not in replies and "opsagt@eksempel.dk" not in replies
    assert session.scalar(select(func.count()).select_from(Member)) == 1
    assert session.scalar(select(Handoff)) is None
    link = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "signin_link"))
    assert link is not None and link.to_address == existing.email


def test_a_registration_that_registered_nobody_is_not_called_one():
    from chatbot.runtime.labels import handoff_overview

    _asked, tried = handoff_overview({"actions_tried": ["action_start_registration",
                                                        "action_register_member_refused"]})
    assert "Registrerede medlemmet" not in tried and "Registrerede ikke: oplysningerne kunne ikke bruges" in tried


# ---- 5. webinars she can sign up for ----------------------------------------------------------------------------

def test_the_webinar_list_leaves_out_her_own_and_clashing_sessions(make, session):
    from chatbot.actions.offers import open_to_member
    from portal.services.actors import SystemActor
    from portal.services.offers import offers
    from tests.offers_helpers import make_offer, make_session

    member = make.member("medlem", status="opsagt")
    now = utcnow()
    webinar = make_offer(session, kind="webinar", title="Sådan søger du jobbet", groups=("1", "opsagt"))
    other = make_offer(session, kind="webinar", title="Sådan går du til samtale", groups=("1", "opsagt"))
    mine = make_session(session, webinar, starts_in=timedelta(days=5), now=now)
    clashing = make_session(session, other, starts_in=timedelta(days=5, hours=1), now=now)
    free = make_session(session, other, starts_in=timedelta(days=8), now=now)
    offers.register(session, member, mine.id, actor=SystemActor.CHATBOT, now=now)
    assert open_to_member(session, member, [mine, clashing, free]) == [free]


# ---- 6. the introduction is true for her -------------------------------------------------------------------------

def test_a_member_who_consented_is_not_told_we_keep_nothing(client, auth, make, session):
    sender = signed_in(client, auth, make, "opsagt")
    say(client, sender, "/give_consent")
    session.execute(ChatConversation.__table__.delete())  # a new device / after the chat was cleared: no chat yet
    make.commit()
    intro = visible_intro(client.get("/chat/samtale?kanal=minside").get_data(as_text=True))
    assert "Du har givet samtykke" in intro and "Vi gemmer intet om dig" not in intro


def test_the_poll_says_who_has_the_chat_and_whether_it_is_kept(client, auth, make, session):
    from chatbot.runtime import get_agent

    hanne = make.caseworker("hanne")
    give_hours(session, hanne)
    sender = signed_in(client, auth, make, "opsagt")
    say(client, sender, "/give_consent")
    say(client, sender, "/request_human")
    handoff = session.scalar(select(Handoff))
    handoff_service.claim(session, hanne.user, handoff.id, now=utcnow())
    handoff_service.hand_back_to_bot(session, hanne.user, handoff.id, now=utcnow(), agent=get_agent())
    make.commit()
    polled = client.get(f"/chat/beskeder?sender={sender}&after=0").get_json()
    assert polled["state"] == "bot" and polled["consent"] is True
    html = client.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    assert re.search(r'data-intro-state="handed_off" hidden', html) and 'data-intro-state="bot">' in html


# ---- 7. the caseworker sees what happened --------------------------------------------------------------------------

def test_a_chat_that_registers_her_after_the_handoff_is_hers_with_her_channel(client, make, session, auth):
    make.location("Odense")
    make.commit()
    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    say(client, sender, "/request_human")
    handoff = session.scalar(select(Handoff))
    handoff.status = "resolved"  # the caseworker answered and closed it; she registers afterwards
    session.execute(ChatConversation.__table__.update().values(state="bot"))
    make.commit()
    say(client, sender, "/book_conversation")
    say(client, sender, "/affirm")
    say(client, sender, "Birgit Sørensen")
    say(client, sender, "05-05-1970")
    say(client, sender, "birgit@eksempel.dk")
    say(client, sender, (local_today() + timedelta(days=60)).strftime("%d-%m-%Y"))
    say(client, sender, "Odense")
    member = session.scalar(select(Member))
    assert member is not None
    session.expire_all()
    assert session.get(Handoff, handoff.id).member_id == member.id
    from portal.services.chat.chat import set_preferred_channel

    set_preferred_channel(session, member, "phone", now=utcnow())
    assert member.preferred_channel == "phone"
