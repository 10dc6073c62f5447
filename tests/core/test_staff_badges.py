"""The staff badges are counted in one statement (portal/staff_badges.py, portal.database.counts_at_once; issue 19):
the same numbers as each count run alone, in the providers' order, and only for staff."""
from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import event

from portal import staff_badges
from portal.database import counts_at_once
from portal.extensions import db
from portal.models import Booking, Notification
from portal.services.booking import booking as bookings
from portal.services.chat import handoff
from portal.services.messaging import dispatch, notifications
from tests.booking_helpers import NOW

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


@pytest.fixture
def birgitte(session, make):
    loc = make.location("Odense")
    birgitte = make.caseworker("birgitte", location=loc)
    mette = make.member("mette", location=loc, caseworker=birgitte)
    for hours in (1, 3):  # two conversations later today
        starts = NOW + timedelta(hours=hours)
        session.add(Booking(uid=f"{uuid4()}@t", member_id=mette.id, caseworker_id=birgitte.id,
                            location_id=loc.id, type="followup_phone", channel="phone", starts_at=starts,
                            ends_at=starts + timedelta(minutes=30), status="booked", sequence=0, created_at=NOW,
                            updated_at=NOW))
    for text in ("Et CV er bestilt", "Jobcentret har svaret", "Læst"):
        session.add(Notification(user_id=birgitte.user_id, text=text, created_at=NOW,
                                 read_at=NOW if text == "Læst" else None))
    make.commit()
    return birgitte


def _statements(run):
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        result = run()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return result, seen


def test_counts_at_once_gives_what_each_count_gives_alone_in_one_statement(session, birgitte):
    counts = [bookings.remaining_today_count(birgitte.id, now=NOW, today=NOW.date()),
              notifications.unread_count_of(birgitte.user_id),
              handoff.waiting(session, birgitte.user),
              dispatch.given_up()]
    alone = [count.run(session) for count in counts]
    assert alone == [2, 2, 0, 0]
    together, statements = _statements(lambda: counts_at_once(session, counts))
    assert together == alone
    assert len(statements) == 1
    assert counts_at_once(session, []) == []


def test_two_counts_may_not_give_one_parameter_two_values(session, birgitte):
    mine, someone_elses = notifications.unread_count_of(birgitte.user_id), notifications.unread_count_of(-1)
    with pytest.raises(ValueError, match="unread_user_id"):
        counts_at_once(session, [mine, someone_elses])


def test_the_badges_on_a_staff_page_come_from_one_statement(client, auth, birgitte):
    auth.login("birgitte")
    html, statements = _statements(lambda: client.get("/kalender").get_data(as_text=True))
    assert '>Samtaler i dag <span class="badge">2</span>' in html
    assert '>Nye beskeder <span class="badge">2</span>' in html
    assert "Chats venter" not in html  # none waiting: no badge
    badge_statements = [s for s in statements if "count(" in s and "FROM booking" in s]
    assert len(badge_statements) == 1 and "FROM notification" in badge_statements[0]


def test_the_order_is_the_providers(app, session, birgitte):
    provided = [lambda user: {"label": "A", "count": 1, "url": "/a"},
                lambda user: staff_badges.CountedBadge(notifications.unread_count_of(user.id),
                                                       lambda n: {"label": "B", "count": n, "url": "/b"}),
                lambda user: None,
                lambda user: staff_badges.CountedBadge(dispatch.given_up(), lambda n: None),  # 0: no badge
                lambda user: {"label": "C", "count": 5, "url": "/c"}]
    saved = list(staff_badges.PROVIDERS)
    staff_badges.PROVIDERS[:] = provided
    try:
        badges = staff_badges.for_user(session, birgitte.user)
    finally:
        staff_badges.PROVIDERS[:] = saved
    assert [(b["label"], b["count"]) for b in badges] == [("A", 1), ("B", 2), ("C", 5)]


def test_no_badges_for_a_member(session, make, birgitte):
    member = make.member("ole", location=birgitte.location, caseworker=birgitte)
    make.commit()
    assert staff_badges.for_user(session, member.user) == []
