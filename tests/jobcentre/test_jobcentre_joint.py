"""The joint conversation through the job-centre exchange (issue 16): booking it proposes its time to the member's
job centre, which accepts or proposes another time inside the 13-week deadline; moving or cancelling withdraws an
unanswered invitation."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import Notification
from portal.models.jobcentre import JobcentreMessage
from portal.services.booking import booking as booking_svc
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre import jobcentre, joint_conversation
from tests.booking_helpers import NOW, hours, utc

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


@pytest.fixture
def world(make, session):
    loc = make.location("Odense", lat=55.40, lon=10.39)
    cw = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, cw)
    # week 10: first day of unemployment 11 January 2027, so the joint conversation is due by Friday 9 April
    member = make.member("mette", location=loc, caseworker=cw, target_group="2a",
                         first_unemployment_day=date(2027, 1, 11))
    odense = make.jobcentre_user(461, "jc-odense", display_name="Hanne Lund")
    aarhus = make.jobcentre_user(751, "jc-aarhus")
    make.commit()
    return {"cw": cw, "member": member, "odense": odense, "aarhus": aarhus}


def book_joint(session, world, starts_at):
    booking = booking_svc.book_slot(session, member=world["member"], caseworker_id=world["cw"].id,
                                    starts_at=starts_at, type="joint", channel="in_person", actor=world["cw"].user,
                                    now=NOW)
    session.commit()
    return booking


def invitation(session) -> JobcentreMessage:
    return session.scalar(select(JobcentreMessage).where(JobcentreMessage.kind == "joint_invitation")
                          .order_by(JobcentreMessage.id.desc()))


def test_booking_the_joint_conversation_invites_the_members_job_centre(session, world):
    booking = book_joint(session, world, utc(2027, 3, 24, 9, 0))
    message = invitation(session)
    assert (message.jobcentre_code, message.booking_id, message.status) == (461, booking.id, "sent")
    assert "Fællessamtale" in message.body_text and world["member"].member_number in message.body_text
    assert joint_conversation.joint_deadline(world["member"]) == date(2027, 4, 9)


def test_the_job_centre_accepts_and_the_conversation_is_on_its_calendar(session, world):
    booking = book_joint(session, world, utc(2027, 3, 24, 9, 0))
    scope = jobcentre.jobcentre_scope(session, world["odense"])
    message = joint_conversation.answer(session, scope, invitation(session).id, accept=True, counter_time=None,
                                        reason=None, now=NOW)
    assert (message.status, message.decision) == ("answered", "accepted")
    assert [m.booking_id for m in joint_conversation.upcoming(session, scope, NOW)] == [booking.id]
    note = session.scalar(select(Notification).where(Notification.user_id == world["cw"].user_id,
                                                     Notification.text.contains("deltager i fællessamtalen")))
    assert note is not None and "24.03.2027 kl. 10:00" in note.text
    with pytest.raises(Conflict, match="allerede besvaret"):
        joint_conversation.answer(session, scope, message.id, accept=False, counter_time=utc(2027, 3, 30, 9, 0),
                                  reason=None, now=NOW)
    assert message.decision == "accepted"


def test_the_job_centre_proposes_another_time_inside_the_13_weeks(session, world):
    book_joint(session, world, utc(2027, 3, 24, 9, 0))
    scope = jobcentre.jobcentre_scope(session, world["odense"])
    message = invitation(session)
    for when, problem in ((None, "Angiv det tidspunkt"), (NOW - timedelta(hours=1), "i fremtiden"),
                          (utc(2027, 4, 12, 9, 0), "senest 09.04.2027")):
        with pytest.raises(ValidationFailed, match=problem):
            joint_conversation.answer(session, scope, message.id, accept=False, counter_time=when, reason=None,
                                      now=NOW)
        assert message.status == "sent"
    joint_conversation.answer(session, scope, message.id, accept=False, counter_time=utc(2027, 3, 31, 8, 0),
                              reason="Vores rådgiver er på kursus den 24.", now=NOW)
    assert (message.decision, message.counter_time) == ("counter", utc(2027, 3, 31, 8, 0))
    note = session.scalar(select(Notification).where(Notification.user_id == world["cw"].user_id,
                                                     Notification.text.contains("foreslår")))
    assert "31.03.2027 kl. 10:00" in note.text


def test_moving_the_booking_withdraws_the_invitation_and_proposes_the_new_time(session, world):
    booking = book_joint(session, world, utc(2027, 3, 24, 9, 0))
    first = invitation(session)
    booking_svc.reschedule_booking(session, booking, starts_at=utc(2027, 3, 31, 8, 0), actor=world["cw"].user,
                                   now=NOW, reason="Jobcentrets ønske")
    session.commit()
    second = invitation(session)
    assert first.status == "withdrawn" and second.id != first.id and second.status == "sent"
    scope = jobcentre.jobcentre_scope(session, world["odense"])
    with pytest.raises(Conflict, match="flyttet eller aflyst"):
        joint_conversation.answer(session, scope, first.id, accept=True, counter_time=None, reason=None, now=NOW)
    booking_svc.cancel_booking(session, booking, actor=world["cw"].user, now=NOW, reason="Medlemmet er i job")
    session.commit()
    assert second.status == "withdrawn"
    assert joint_conversation.upcoming(session, scope, NOW) == []


def test_pages_accept_and_another_job_centre_gets_404(client, auth, session, world):
    book_joint(session, world, utc(2027, 3, 24, 9, 0))
    message = invitation(session)
    auth.login("jc-aarhus")
    refused = auth.post(f"/jobcenter/sag/{message.id}/faellessamtale", {"decision": "accept"}, page="/jobcenter/")
    assert refused.status_code == 404
    auth.logout()
    auth.login("jc-odense")
    page = client.get(f"/jobcenter/sag/{message.id}").get_data(as_text=True)
    assert "Vi deltager på det tidspunkt" in page and "Rettidig senest" in page
    bad = auth.post(f"/jobcenter/sag/{message.id}/faellessamtale", {"decision": "counter", "counter_time": "i morgen"},
                    page="/jobcenter/")
    assert bad.status_code == 422 and "dato og klokkeslæt" in bad.get_data(as_text=True)
    late = auth.post(f"/jobcenter/sag/{message.id}/faellessamtale",
                     {"decision": "counter", "counter_time": "2027-04-14T10:00"}, page="/jobcenter/")
    assert late.status_code == 422 and "senest 09.04.2027" in late.get_data(as_text=True)
    ok = auth.post(f"/jobcenter/sag/{message.id}/faellessamtale", {"decision": "accept"}, page="/jobcenter/")
    assert ok.status_code == 302
    inbox = client.get("/jobcenter/").get_data(as_text=True)
    assert "Kommende samtaler med jobcentret" in inbox and world["member"].full_name in inbox


def test_from_week_9_the_conversation_screen_prompts_the_caseworker_to_invite(client, auth, session, world):
    member = world["member"]
    auth.login("birgitte")
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Medlemmet har været ledig i 10 uger: inviter medlem og jobcenter til fællessamtalen." in screen
    assert "senest fredag 9. april 2027" in screen or "senest 9. april 2027" in screen
    assert f"/kalender/ny?medlem={member.member_number}&amp;type=joint" in screen
    book_joint(session, world, utc(2027, 3, 24, 9, 0))
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "inviter medlem og jobcenter" not in screen
    assert joint_conversation.invitation_prompt(session, member, date(2027, 3, 22)) is None


def test_no_prompt_before_week_9(session, make, world):
    early = make.member("tidlig", caseworker=world["cw"], first_unemployment_day=date(2027, 2, 1))  # week 7
    assert joint_conversation.invitation_prompt(session, early, date(2027, 3, 22)) is None


def test_the_job_centre_is_reminded_of_an_accepted_joint_conversation_once(client, auth, session, world):
    booking = book_joint(session, world, utc(2027, 3, 24, 9, 0))
    scope = jobcentre.jobcentre_scope(session, world["odense"])
    assert joint_conversation.remind(session, NOW) == 0  # not accepted yet
    joint_conversation.answer(session, scope, invitation(session).id, accept=True, counter_time=None, reason=None,
                              now=NOW)
    assert joint_conversation.remind(session, booking.starts_at - timedelta(hours=25)) == 0  # too early
    day_before = booking.starts_at - timedelta(hours=20)
    assert joint_conversation.remind(session, day_before) == 1
    assert joint_conversation.remind(session, day_before + timedelta(hours=1)) == 0  # once
    to_caseworker = session.scalars(select(Notification.text).where(
        Notification.user_id == world["cw"].user_id, Notification.text.startswith("Påmindelse"))).all()
    expected = f"Påmindelse: fællessamtale med {world['member'].full_name} og Jobcenter Odense 24.03.2027 kl. 10:00."
    assert to_caseworker == [expected]
    session.commit()
    auth.login("jc-odense")
    inbox = client.get("/jobcenter/").get_data(as_text=True)
    assert "Påmindelse: fællessamtale med" in inbox and "Ny:" in inbox
    assert "Ny:" not in client.get("/jobcenter/").get_data(as_text=True)  # read once shown


def test_the_caseworker_sees_the_time_the_job_centre_proposes_and_moves_the_booking_there(client, auth, session,
                                                                                         world):
    """The job centre proposes another time: the conversation screen and the booking page say which (not only
    that it proposed one), the booking page's move form is filled in with it, and moving sends the new time."""
    booking = book_joint(session, world, utc(2027, 3, 24, 9, 0))
    scope = jobcentre.jobcentre_scope(session, world["odense"])
    joint_conversation.answer(session, scope, invitation(session).id, accept=False,
                              counter_time=utc(2027, 3, 31, 8, 0), reason="Rådgiveren er på kursus", now=NOW)
    session.commit()
    member = world["member"]
    auth.login("birgitte")
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Jobcentret foreslår et andet tidspunkt</strong> <strong>31. mar. 2027 kl. 10:00</strong>" in screen
    assert f"/kalender/samtale/{booking.id}" in screen
    page = client.get(f"/kalender/samtale/{booking.id}").get_data(as_text=True)
    assert "Jobcenter Odense: <strong>Jobcentret foreslår et andet tidspunkt</strong> 31. mar. 2027 kl. 10:00" in page
    assert "Rådgiveren er på kursus" in page
    assert 'name="day" value="2027-03-31"' in page and 'name="time" value="10:00"' in page
    moved = auth.post(f"/kalender/samtale/{booking.id}", {"action": "move", "day": "2027-03-31", "time": "10:00",
                                                         "reason": "Jobcentrets forslag"})
    assert moved.status_code == 302
    session.expire_all()
    latest = invitation(session)
    assert latest.status == "sent" and latest.booking.starts_at == utc(2027, 3, 31, 8, 0)
    page = client.get(f"/kalender/samtale/{booking.id}").get_data(as_text=True)
    assert "Jobcenter Odense: <strong>Sendt til jobcentret</strong>" in page and 'name="day" value=""' in page


def test_an_invitation_never_answered_is_withdrawn_once_the_conversation_is_held(session, world):
    """The conversation took place (or the member did not come) before the job centre answered: nothing is left to
    answer, so it is not escalated to the caseworker a week later nor counted as awaiting the job centre."""
    booking = book_joint(session, world, utc(2027, 3, 24, 9, 0))
    message = invitation(session)
    after = utc(2027, 3, 24, 11, 0)
    booking_svc.register_outcome(session, booking, outcome="held", actor=world["cw"].user, now=after)
    session.commit()
    assert message.status == "withdrawn" and message.decision is None
    assert tuple(session.execute(select(*jobcentre.open_request_counts(world["member"].id))).one()) == (0, 0)
    assert jobcentre.escalate_unanswered(session, NOW + timedelta(days=8)) == 0
    with pytest.raises(Conflict, match="flyttet eller aflyst"):
        joint_conversation.answer(session, jobcentre.jobcentre_scope(session, world["odense"]), message.id,
                                  accept=True, counter_time=None, reason=None, now=after)


def test_booking_the_joint_conversation_shows_the_13_week_deadline_and_marks_later_days(client, auth, world):
    """The invitation should propose a time inside the 13 weeks: the booking page says the last day and marks
    the days after it (a late conversation can still be booked; it is late, not forbidden)."""
    number = world["member"].member_number
    auth.login("birgitte")
    page = client.get(f"/kalender/ny?medlem={number}&type=joint&fra=2027-04-06").get_data(as_text=True)
    assert "Den skal holdes senest 9. april 2027 for at være rettidig." in page
    days = re.findall(r'<h2 class="slot-day">([^<]*)(?:<span class="muted">[^<]*</span>)?\s*'
                      r'(<span class="status status-bad">efter fristen</span>)?', page)
    assert [(d.strip(), bool(late)) for d, late in days] == [
        ("Tirsdag 6. april", False), ("Onsdag 7. april", False), ("Torsdag 8. april", False),
        ("Fredag 9. april", False), ("Mandag 12. april", True)]
    assert "efter fristen" not in client.get(f"/kalender/ny?medlem={number}&type=joint").get_data(as_text=True)
