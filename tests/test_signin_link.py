"""A way in for members without a password (issue 15): single-use, expiring sign-in links by e-mail or SMS."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth import signin_link
from portal.models import AuditEntry, OutboxMessage, User
from portal.models.users import SignInLink
from portal.services.errors import ValidationFailed


def sent_links(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "signin_link")
                                .order_by(OutboxMessage.id)))


def token_of(message: OutboxMessage) -> str:
    return re.search(r"/login/link/([A-Za-z0-9_-]+)", message.body_text).group(1)


@pytest.fixture
def chat_member(make, session):
    """A member as the chatbot registers one: no login account, an e-mail address."""
    member = make.member(login=False, status="opsagt", first_unemployment_day=None)
    member.email = "birgit@eksempel.dk"
    make.commit()
    return member


def test_the_first_link_makes_an_account_without_a_password_and_is_sent_by_email(session, chat_member, clock):
    assert signin_link.send_link(session, chat_member, now=clock.now)
    session.commit()
    user = session.get(User, chat_member.user_id)
    assert user.role == "member" and user.username == chat_member.member_number
    assert user.password_hash.startswith("!")  # no password works
    [message] = sent_links(session)
    assert message.channel == "email" and message.to_address == "birgit@eksempel.dk"
    assert "Min side" in message.subject and "30 minutter" not in message.subject
    token = token_of(message)
    stored = session.scalar(select(SignInLink))
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only the hash is kept
    assert stored.expires_at == clock.now + timedelta(minutes=30)


def test_a_member_with_only_a_phone_number_is_not_promised_an_sms_nobody_sends(session, chat_member, clock):
    # The outbox has no SMS gateway yet (portal.services.dispatch.SENDABLE_CHANNELS): no link is queued for a
    # channel that is never sent, and the chatbot says nothing about one.
    chat_member.email = None
    chat_member.phone = "+4520304050"
    session.commit()
    assert not signin_link.sms_available()
    assert not signin_link.send_link(session, chat_member, now=clock.now)
    assert sent_links(session) == [] and session.get(User, chat_member.user_id).role == "member"


def test_a_link_works_once_and_ends_the_other_open_links(session, chat_member, clock):
    signin_link.send_link(session, chat_member, now=clock.now)
    signin_link.send_link(session, chat_member, now=clock.now + timedelta(minutes=1))
    first, second = (token_of(m) for m in sent_links(session))
    user = signin_link.redeem(session, second, now=clock.now + timedelta(minutes=2))
    assert user.id == chat_member.user_id
    with pytest.raises(ValidationFailed, match="allerede brugt"):
        signin_link.redeem(session, second, now=clock.now + timedelta(minutes=3))
    with pytest.raises(ValidationFailed, match="allerede brugt"):
        signin_link.redeem(session, first, now=clock.now + timedelta(minutes=3))
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login")) == 1


def test_an_expired_or_forged_link_is_refused_and_changes_nothing(session, chat_member, clock):
    signin_link.send_link(session, chat_member, now=clock.now)
    token = token_of(sent_links(session)[0])
    with pytest.raises(ValidationFailed, match="udløbet"):
        signin_link.redeem(session, token, now=clock.now + timedelta(minutes=30))
    with pytest.raises(ValidationFailed, match="findes ikke"):
        signin_link.redeem(session, token[:-2] + "xx", now=clock.now)
    assert session.scalar(select(SignInLink)).used_at is None


def test_at_most_three_links_an_hour_per_account(session, chat_member, clock):
    sent = [signin_link.send_link(session, chat_member, now=clock.now + timedelta(minutes=i)) for i in range(5)]
    assert sent == [True, True, True, False, False]
    assert signin_link.send_link(session, chat_member, now=clock.now + timedelta(minutes=61))
    assert len(sent_links(session)) == 4


def test_asking_by_address_or_phone_finds_the_member_and_never_staff(session, chat_member, make, clock):
    assert signin_link.request_link(session, "  BIRGIT@eksempel.dk ", now=clock.now)
    chat_member.phone = "+4520304050"
    session.commit()
    assert signin_link.request_link(session, "20 30 40 50", now=clock.now)
    assert not signin_link.request_link(session, "ukendt@eksempel.dk", now=clock.now)
    assert not signin_link.request_link(session, "ikke en adresse", now=clock.now)
    with pytest.raises(ValidationFailed):
        signin_link.request_link(session, "   ", now=clock.now)


# ---- pages -----------------------------------------------------------------------------------------------------

def test_the_request_page_answers_the_same_for_known_and_unknown_addresses(client, auth, session, chat_member):
    known = auth.post("/login/link", {"address": "birgit@eksempel.dk"}, page="/login/link")
    unknown = auth.post("/login/link", {"address": "nogen@andre.dk"}, page="/login/link")
    assert known.status_code == unknown.status_code == 200

    def answer(response):
        text = response.get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    assert answer(known) == answer(unknown)
    assert len(sent_links(session)) == 1
    empty = auth.post("/login/link", {"address": ""}, page="/login/link")
    assert empty.status_code == 422 and "Skriv den e-mailadresse" in empty.get_data(as_text=True)


def test_the_link_opens_a_button_and_the_button_signs_in_to_min_side(client, auth, session, chat_member, clock):
    assert "Ingen adgangskode?" in client.get("/login").get_data(as_text=True)
    auth.post("/login/link", {"address": "birgit@eksempel.dk"}, page="/login/link")
    session.commit()
    token = token_of(sent_links(session)[0])
    page = client.get(f"/login/link/{token}")
    assert page.status_code == 200 and "Log ind på Min side" in page.get_data(as_text=True)
    assert session.scalar(select(SignInLink)).used_at is None  # fetching the link (a mail scanner) spends nothing
    signed_in = auth.post(f"/login/link/{token}", page=f"/login/link/{token}")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/min-side")
    home = client.get("/min-side")
    assert home.status_code == 200 and chat_member.first_name in home.get_data(as_text=True)
    my_data = client.get("/min-side/mine-data").get_data(as_text=True)
    assert "samtykke" in my_data.lower()  # consent withdrawal and the data download are theirs too
    auth.logout()
    again = client.get(f"/login/link/{token}")
    assert again.status_code == 410 and "allerede brugt" in again.get_data(as_text=True)
    assert "Send mig et link" in again.get_data(as_text=True)  # and the way to a new one


def test_a_forged_link_gets_a_clear_page(client):
    page = client.get("/login/link/" + "x" * 43)
    assert page.status_code == 410 and "Linket findes ikke" in page.get_data(as_text=True)


def test_the_chatbot_sends_the_link_when_it_registers_a_member(app, client, session, make):
    from tests.test_chat_journey import test_flyer_visitor_registers_books_and_asks_for_a_human as journey

    journey(app, client, session, make)
    [message] = sent_links(session)
    assert message.to_address == "birgit@eksempel.dk"
    user = session.scalar(select(User).where(User.email == "birgit@eksempel.dk"))
    assert user is not None and user.role == "member"
