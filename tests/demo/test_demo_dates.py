"""The demo does not age: seeded on any day it shows the same lived-in portal to every demo login.

The whole demo is seeded with the wall clock moved (time-machine) to three moments that have tripped date code:
the night Danish summer time starts, the Monday after winter time returns, and the last hour of a year. Each demo
login then uses the portal at that moment, through the same pages a person would open.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.demo import seed_demo
from portal.models import Booking, Member, User
from portal.models.chat import Handoff
from portal.models.offers import OfferRegistration, OfferSession
from portal.models.plan import PlanItem
from portal.services.booking import contact_course
from portal.services.danish_calendar import is_working_day
from portal.timeutil import LOCAL_TZ, to_local

PASSWORD = "demo-adgangskode"
MOMENTS = {
    # Sunday 28 March 2027, 03:30 in Copenhagen: summer time began an hour and a half ago.
    "dst-start-night": datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
    # Monday 1 November 2027, 08:00: the first working day of winter time.
    "monday-after-dst-end": datetime(2027, 11, 1, 7, 0, tzinfo=UTC),
    # Friday 31 December 2027, 23:30 in Copenhagen: the last half hour of the year.
    "new-years-eve": datetime(2027, 12, 31, 22, 30, tzinfo=UTC),
}


def _member(session, username: str) -> Member:
    return session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == username))


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
    return response.get_data(as_text=True)


def _login(auth, client, username: str) -> None:
    assert auth.login(username, PASSWORD).status_code == 302, f"{username} cannot log in"


def check_working_days(session) -> None:
    """Conversations and offer sessions fall on working days: not at weekends, public holidays or closing days."""
    starts = list(session.scalars(select(Booking.starts_at))) + list(session.scalars(select(OfferSession.starts_at)))
    closed = sorted({day for day in (to_local(s).date() for s in starts) if not is_working_day(day)})
    assert not closed, f"demo conversations or sessions on closed days: {closed[:5]}"


def check_medlem(session, client, auth, now: datetime) -> None:
    today = now.astimezone(LOCAL_TZ).date()
    medlem = _member(session, "medlem")
    assert medlem.first_unemployment_day == today - timedelta(weeks=5)
    bookings = {b.type: b for b in session.scalars(select(Booking).where(Booking.member_id == medlem.id))}
    assert bookings["cv"].status == "held" and bookings["cv"].ends_at < now
    assert bookings["contact_course"].status == "held" and bookings["contact_course"].ends_at < now
    assert bookings["availability"].status == "booked" and bookings["availability"].starts_at > now
    assert bookings["focus"].status == "booked" and bookings["focus"].starts_at > now
    steps = contact_course.course_for(session, medlem, today)
    assert not [s.key for s in steps if s.status == "overdue"], "a demo member five weeks in is on time"
    assert {s.key: s.status for s in steps}["availability"] == "booked"

    regs = session.execute(select(OfferRegistration, OfferSession).join(
        OfferSession, OfferSession.id == OfferRegistration.session_id).where(
        OfferRegistration.member_id == medlem.id)).all()
    by_status: dict[str, list] = {}
    for reg, offer_session in regs:
        by_status.setdefault(reg.status, []).append((reg, offer_session))
    assert {"registered", "waitlisted", "offered", "attended"} <= set(by_status)
    assert all(s.starts_at > now for _r, s in by_status["registered"] + by_status["waitlisted"])
    assert all(r.held_until > now and s.starts_at > now for r, s in by_status["offered"])
    assert all(s.ends_at < now for _r, s in by_status["attended"])
    assert any(r.right_and_duty for r, _s in by_status["registered"])

    items = session.scalars(select(PlanItem).where(PlanItem.member_id == medlem.id)).all()
    # awaiting_jc: the company internship waiting for Jobcenter Odense's approval (issue 16)
    assert sorted(i.status for i in items) == ["active", "active", "awaiting_jc", "done", "proposed"]
    assert all(i.due_date > today for i in items if i.status in ("active", "awaiting_jc", "proposed"))

    _login(auth, client, "medlem")
    home = _page(client, "/min-side")
    assert "Mette" in home and "Tag pladsen" in home and "Rådighedssamtale" in home
    assert "Samtalereferat – CV-samtale" in _page(client, "/min-side/referater")
    assert "Dine tilmeldinger" in _page(client, "/tilbud")
    auth.logout()


def check_opsagt(session, client, auth, now: datetime) -> None:
    today = now.astimezone(LOCAL_TZ).date()
    opsagt = _member(session, "opsagt")
    assert opsagt.status == "opsagt" and opsagt.notice_end_date > today + timedelta(days=85)
    dating = session.execute(select(OfferRegistration, OfferSession).join(
        OfferSession, OfferSession.id == OfferRegistration.session_id).where(
        OfferRegistration.member_id == opsagt.id)).all()
    assert dating and all(r.status == "registered" and s.starts_at > now for r, s in dating)
    _login(auth, client, "opsagt")
    assert "Lars" in _page(client, "/min-side")
    auth.logout()


def check_sagsbehandler(session, client, auth, now: datetime) -> None:
    medlem = _member(session, "medlem")
    availability = session.scalar(select(Booking).where(Booking.member_id == medlem.id,
                                                        Booking.type == "availability"))
    _login(auth, client, "sagsbehandler")
    caseload = _page(client, "/sagsbehandler/")
    row = caseload[caseload.index("Jensen, Mette"):]
    row = row[:row.index("</tr>")]
    assert "Overskredet" not in row and "Senest" in row, "medlem's next step is on time"
    waiting = session.scalars(select(Handoff).where(Handoff.status == "waiting")).all()
    assert waiting and all(h.created_at < now for h in waiting)
    assert "Lars Nielsen" in _page(client, "/sagsbehandler/overdragelser")
    day = availability.starts_at.astimezone(LOCAL_TZ).date()
    week = _page(client, f"/kalender?dato={day.isoformat()}")
    assert "Mette Jensen" in week or "Jensen, Mette" in week
    auth.logout()


def check_styregruppe(session, client, auth, now: datetime) -> None:
    _login(auth, client, "styregruppe")
    _page(client, "/styring")
    report = client.get("/styring/eksport.json").get_json()
    counted = {m["measure"]: m["n"] for m in report["measures"] if m["split"] == "all"}
    empty = [name for name, n in counted.items() if not n]
    assert len(empty) <= len(counted) // 3, f"measures without data: {empty}"
    auth.logout()


def check_admin(session, client, auth, now: datetime) -> None:
    _login(auth, client, "admin")
    outbox = _page(client, "/admin/udbakke")
    assert "Sendt" in outbox or "sendt" in outbox
    _page(client, "/admin/planlaegning")
    auth.logout()


@pytest.mark.slow
@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_every_demo_login_finds_a_lived_in_portal_on_any_day(app, session, client, auth, moment):
    with time_machine.travel(moment, tick=True):
        seed_demo(session, members=200, seed=2026, password=PASSWORD)
        session.commit()
        check_working_days(session)
        for check in (check_medlem, check_opsagt, check_sagsbehandler, check_styregruppe, check_admin):
            check(session, client, auth, moment)
