"""The job centre's view of a citizen whose situation changes: the member's status on the citizen page, the
round-table conversation it was invited to on its calendar and the citizen page, overdue plan deadlines."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from portal.models import Member
from portal.services.booking import booking as booking_svc
from portal.services.jobcentre import jobcentre, joint_conversation
from portal.services.minside import plan
from tests.booking_helpers import NOW, hours, utc

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen
WED_10 = utc(2027, 3, 24, 9, 0)  # Wednesday 24 March 2027, 10:00 in Copenhagen


@pytest.fixture
def world(make, session):
    loc = make.location("Odense", lat=55.40, lon=10.39)
    cw = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, cw)
    sick = make.member("susanne", location=loc, caseworker=cw, status="sygemeldt", target_group=None,
                       first_name="Susanne", last_name="Rundbord")
    odense = make.jobcentre_user(461, "jc-odense")
    aarhus = make.jobcentre_user(751, "jc-aarhus")
    make.commit()
    return {"cw": cw, "sick": sick, "odense": odense, "aarhus": aarhus, "loc": loc}


def _round_table(session, world):
    booking = booking_svc.book_slot(session, member=world["sick"], caseworker_id=world["cw"].id, starts_at=WED_10,
                                    type="round_table", channel="in_person", actor=world["cw"].user, now=NOW)
    session.commit()
    return booking


def test_a_round_table_is_on_the_job_centres_calendar_and_counted_on_the_citizen_page(client, auth, session, world):
    booking = _round_table(session, world)
    odense = jobcentre.jobcentre_scope(session, world["odense"])
    assert [c.booking_id for c in joint_conversation.upcoming(session, odense, NOW)] == [booking.id]
    assert joint_conversation.upcoming(session, jobcentre.jobcentre_scope(session, world["aarhus"]), NOW) == []

    auth.login("jc-odense")
    inbox = client.get("/jobcenter/").get_data(as_text=True)
    calendar = inbox[inbox.index('id="h-upcoming"'):]
    assert "Kommende samtaler med jobcentret" in calendar
    assert "Rundbordssamtale med jobcentret" in calendar and "Susanne Rundbord" in calendar
    page = client.get(f"/jobcenter/borger/{world['sick'].member_number}").get_data(as_text=True)
    conversations = page[page.index('id="h-conversations"'):page.index('id="h-plan"')]
    assert "Rundbordssamtale med jobcentret" in conversations and "24. mar. 2027" in conversations
    assert "A-kassen har ikke sendt jobcentret noget om borgeren endnu." not in page

    booking_svc.cancel_booking(session, booking, actor=world["cw"].user, now=NOW, reason="Medlemmet er raskmeldt")
    session.commit()
    assert joint_conversation.upcoming(session, odense, NOW) == []
    page = client.get(f"/jobcenter/borger/{world['sick'].member_number}").get_data(as_text=True)
    assert "Ingen aftalte samtaler med jobcentret." in page
    assert "A-kassen har ikke sendt jobcentret noget om borgeren endnu." in page


@pytest.mark.parametrize("status, label, first_day_shown", [
    ("ledig", "Ledig", True), ("i_job", "I job", False), ("sygemeldt", "Sygemeldt", False),
])
def test_the_citizen_page_shows_the_members_status_and_the_first_day_only_while_unemployed(
        client, auth, make, session, world, status, label, first_day_shown):
    member = make.member(location=world["loc"], caseworker=world["cw"], first_unemployment_day=date(2027, 1, 11))
    session.execute(update(Member).where(Member.id == member.id).values(status=status))  # the register's bulk SQL
    make.commit()
    auth.login("jc-odense")
    page = client.get(f"/jobcenter/borger/{member.member_number}").get_data(as_text=True)
    facts = page[page.index('class="facts card"'):page.index("</dl>")]
    assert "Status i a-kassen" in facts and f"<dd>{label}</dd>" in facts
    assert ("1. ledighedsdag" in facts) is first_day_shown


def test_the_citizen_page_marks_an_overdue_plan_deadline(client, auth, make, session, world):
    member = make.member(location=world["loc"], caseworker=world["cw"])
    late = plan.propose_item(session, member, kind="job_search", title="Søg tre job",
                             due_date=NOW.date() + timedelta(days=1), actor=world["cw"].user, now=NOW)
    plan.propose_item(session, member, kind="education", title="Kursus i forflytning",
                      due_date=NOW.date() + timedelta(days=20), actor=world["cw"].user, now=NOW)
    late.due_date = NOW.date() - timedelta(days=2)
    session.commit()
    auth.login("jc-odense")
    page = client.get(f"/jobcenter/borger/{member.member_number}").get_data(as_text=True)
    late_line = page[page.index("Søg tre job"):]
    assert "overskredet" in late_line[:late_line.index("</li>")] and page.count("overskredet") == 1
