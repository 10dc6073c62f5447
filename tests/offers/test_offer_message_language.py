"""Waiting-list and offer messages are written in the recipient's language, not in that of the member, staff
member or job whose action caused them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.models import Notification, OutboxMessage, User
from portal.services.offers import offer_editing, offers
from scheduling.jobs import run_job
from tests.offers_helpers import NOW, make_offer, make_session

pytestmark = pytest.mark.clock(NOW)


def mail(session, kind: str, member) -> OutboxMessage:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind,
                                                      OutboxMessage.member_id == member.id))


def notice(session, member) -> str:
    return session.scalar(select(Notification.text).where(Notification.user_id == member.user_id)
                          .order_by(Notification.id.desc()).limit(1))


@pytest.fixture
def full_session(session, make):
    """A one-seat session held by `holder`, with `first` and `second` waiting in that order."""
    odense = make.location("Odense")
    offer = make_offer(session, title="Temamøde: Jobsøgning")
    s = make_session(session, offer, location=odense, capacity=1, starts_in=timedelta(days=6))
    return odense, s


def _line_up(session, make, odense, s, *languages):
    members = [make.member(location=odense, language=language) for language in languages]
    for language, member in zip(languages, members):
        session.get(User, member.user_id).locale = language
    regs = [offers.register(session, m, s.id, actor="cli", now=NOW + timedelta(seconds=i))
            for i, m in enumerate(members)]
    session.commit()
    return members, regs


def test_an_english_member_passing_a_seat_on_gives_the_next_danish_member_a_danish_offer(
        client, auth, session, make, full_session):
    odense, s = full_session
    (_holder, english, danish), (held, english_reg, _) = _line_up(session, make, odense, s, "da", "en", "da")
    offers.cancel_registration(session, held, actor="cli", now=NOW, reason="Fik arbejde")
    session.commit()
    assert "There is a place for you" in mail(session, "offers.seat_offered", english).subject

    auth.login(session.get(User, english.user_id).username)
    client.get("/tilbud/mine?lang=en")
    response = auth.post(f"/tilbud/tilmelding/{english_reg.id}/nej-tak", page="/tilbud/mine")
    assert response.status_code == 302

    offered = mail(session, "offers.seat_offered", danish)
    assert offered.subject == "Der er en plads til dig: Temamøde: Jobsøgning"
    assert offered.body_text.startswith("Kære ") and "vi holder den til dig" in offered.body_text
    assert notice(session, danish).startswith("Der er en plads til dig på")


def test_the_waiting_list_job_writes_to_an_english_member_in_english(app, session, make, full_session):
    odense, s = full_session
    (_holder, danish, english), (held, *_rest) = _line_up(session, make, odense, s, "da", "da", "en")
    offers.cancel_registration(session, held, actor="cli", now=NOW, reason="Fik arbejde")
    session.commit()

    run = run_job("waiting_list", app=app, now=NOW + timedelta(hours=24), holder="test")

    assert run.status == "ok" and run.summary == {"expired_holds": 1}
    expired = mail(session, "offers.hold_expired", danish)
    assert expired.subject.startswith("Pladsen på") and expired.body_text.startswith("Kære ")
    offered = mail(session, "offers.seat_offered", english)
    assert offered.subject == "There is a place for you: Temamøde: Jobsøgning"
    assert offered.body_text.startswith("Dear ") and "Kære" not in offered.body_text
    assert notice(session, english).startswith("There is a place for you on")


def test_staff_writing_in_english_cancel_a_session_and_each_member_reads_it_in_their_own_language(
        session, make, full_session):
    odense, s = full_session
    staff = make.user("kursus", role="admin")
    staff.locale = "en"
    s.capacity = 2
    (danish, english), _regs = _line_up(session, make, odense, s, "da", "en")

    with force_locale("en"):  # the staff member's page
        offer_editing.cancel_session(session, s, reason="Underviseren er syg", actor=staff, now=NOW)
    session.commit()

    assert mail(session, "offers.session_cancelled", danish).subject == "Aflyst: Temamøde: Jobsøgning"
    assert mail(session, "offers.session_cancelled", english).subject == "Cancelled: Temamøde: Jobsøgning"
    assert mail(session, "offers.session_cancelled", danish).body_text.startswith("Kære ")
