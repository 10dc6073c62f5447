"""Issue 15, the other side of "never promise a channel that is not there": once an SMS gateway is configured, a
member who gave only a phone number is promised an SMS by the chat, and gets it — the sign-in link after
registration, the caseworker's answer when they have left the chat, a link asked for by number on /login/link —
through the outbox's sms channel to the gateway (tests/sms_sink.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth import signin_link
from portal.models import Member, OutboxMessage
from portal.models.chat import ChatMessage, Handoff
from portal.services.chat import handoff as handoff_service
from portal.services.messaging.sms import SmsSettings, dispatch_sms
from portal.timeutil import local_today
from tests.chat.test_chat_states import odense  # noqa: F401 (fixture)
from tests.chat.test_chat_support import flyer_sender, say, texts
from tests.sms_sink import SmsSink

pytestmark = pytest.mark.usefixtures("clock")
NUMBER = "+4520304050"
SHOWN = "+45 20 30 40 50"  # as the chat writes it


@pytest.fixture
def gateway(app):
    running = SmsSink().start()
    app.config["SMS_GATEWAY_URL"] = running.url
    yield running
    running.stop()


def _sms(session, kind: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms", OutboxMessage.kind == kind)
                                .order_by(OutboxMessage.id)))


def _send_all(session, gateway, now) -> None:
    dispatch_sms(session, SmsSettings(url=gateway.url, token="t", sender="FOA", timeout=5), now=now)
    session.commit()


def _register_by_phone(client, sender) -> str:
    say(client, sender, "/give_consent")
    say(client, sender, "/affirm")
    say(client, sender, "Birgit Sørensen")
    say(client, sender, "05-05-1970")
    say(client, sender, "20 30 40 50")  # no e-mail: a phone number instead
    return texts(say(client, sender, (local_today() + timedelta(days=60)).strftime("%d-%m-%Y")))


def test_a_phone_only_registrant_gets_the_sign_in_link_by_sms(client, session, odense, gateway, clock):  # noqa: F811
    _location, _hanne, token = odense
    registered = _register_by_phone(client, flyer_sender(client, token))
    assert "registreret som opsagt medlem" in registered and f"login-link til {SHOWN}" in registered
    (link,) = _sms(session, "signin_link")
    member = session.scalar(select(Member))
    assert member.phone == NUMBER and member.email is None and link.to_address == NUMBER
    _send_all(session, gateway, clock.now)
    (sent,) = gateway.messages
    assert sent["body"]["recipients"] == [{"msisdn": 4520304050}] and "/login/link/" in sent["body"]["message"]


def test_the_handoff_promises_an_sms_and_the_answer_arrives_by_sms(client, session, odense, gateway, clock):  # noqa: F811
    _location, hanne, token = odense
    sender = flyer_sender(client, token)
    _register_by_phone(client, sender)
    say(client, sender, "/deny")
    say(client, sender, "/request_human")
    started = session.scalars(select(ChatMessage).where(ChatMessage.text.contains("videre til"))).first().text
    assert f"SMS til {SHOWN}" in started
    handoff = session.scalar(select(Handoff))
    later = clock.now + timedelta(minutes=10)  # the member has left the chat
    handoff_service.claim(session, hanne.user, handoff.id, now=later)
    _message, delivered = handoff_service.reply(session, hanne.user, handoff.id, "Vi ringer dig op i morgen.",
                                                now=later)
    session.commit()
    assert delivered == "sms"
    (reply,) = _sms(session, "chat_reply")
    assert reply.to_address == NUMBER and "Vi ringer dig op i morgen." in reply.body_text
    _send_all(session, gateway, later)
    assert any("Vi ringer dig op i morgen." in m["body"]["message"] for m in gateway.messages)


def test_a_link_asked_for_by_number_goes_by_sms(make, session, gateway, clock, app):
    member = make.member("birgit", status="opsagt", target_group=None)
    member.phone = NUMBER
    make.commit()
    user = signin_link.ensure_member_account(session, member, now=clock.now)
    session.commit()
    assert user.password_hash == signin_link.NO_PASSWORD or member.user_id == user.id
    assert signin_link.request_link(session, "20 30 40 50", secret=app.config["SECRET_KEY"], now=clock.now)
    session.commit()
    (link,) = _sms(session, "signin_link")
    assert link.to_address == NUMBER
    _send_all(session, gateway, clock.now)
    assert "/login/link/" in gateway.messages[0]["body"]["message"]
