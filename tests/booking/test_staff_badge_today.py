"""The staff badge "Samtaler i dag": the caseworker's booked conversations not yet over, today (Copenhagen time)."""
from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from portal.models import Booking, Caseworker, User
from portal.services.booking import booking as svc
from tests.booking_helpers import NOW, utc

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


def _booking(session, member, caseworker, starts, *, status="booked", minutes=30) -> None:
    session.add(Booking(uid=f"{uuid4()}@t", member_id=member.id, caseworker_id=caseworker.id,
                        location_id=caseworker.location_id, type="followup_phone", channel="phone", starts_at=starts,
                        ends_at=starts + timedelta(minutes=minutes), status=status, sequence=0, created_at=NOW,
                        updated_at=NOW))


@pytest.fixture
def day(session, make):
    loc = make.location("Odense")
    birgitte = make.caseworker("birgitte", location=loc)
    other = make.caseworker("karl", location=loc)
    mette = make.member("mette", location=loc, caseworker=birgitte)
    _booking(session, mette, birgitte, NOW - timedelta(hours=1))  # over at 08:30 local: not counted
    _booking(session, mette, birgitte, NOW - timedelta(minutes=10))  # under way: counted
    _booking(session, mette, birgitte, NOW + timedelta(hours=3))  # this afternoon: counted
    _booking(session, mette, birgitte, NOW + timedelta(hours=4), status="cancelled_member")
    _booking(session, mette, birgitte, utc(2027, 3, 22, 22, 30))  # 23:30 local, still today: counted
    _booking(session, mette, birgitte, utc(2027, 3, 22, 23, 0))  # 00:00 local on Tuesday: not today
    _booking(session, mette, other, NOW + timedelta(hours=2))  # someone else's
    # Karl's from 20:00 local yesterday until 10:00 today, not over yet: not one of today's conversations
    ole = make.member("ole", location=loc, caseworker=other)
    _booking(session, ole, other, NOW - timedelta(hours=13), minutes=14 * 60)
    make.commit()
    return birgitte


def test_remaining_today_counts_booked_conversations_of_today_not_over(session, day):
    assert svc.remaining_today(session, day.id, now=NOW, today=NOW.date()) == 3
    evening = utc(2027, 3, 22, 22, 0)  # 23:00 local: only the 23:30 one is left
    assert svc.remaining_today(session, day.id, now=evening, today=evening.date()) == 1


def test_a_conversation_begun_yesterday_is_not_one_of_todays(session, day):
    karl = session.scalars(select(Caseworker).join(User).where(User.username == "karl")).one()
    assert svc.remaining_today(session, karl.id, now=NOW, today=NOW.date()) == 1  # the 11:00 one


def test_the_badge_shows_the_count_on_the_caseworkers_pages(client, auth, day):
    auth.login("birgitte")
    html = client.get("/kalender").get_data(as_text=True)
    assert "Samtaler i dag" in html
    assert '<span class="badge">3</span>' in html
