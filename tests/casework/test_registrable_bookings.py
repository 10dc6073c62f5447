"""conversation_record.registrable_bookings: the bookings a caseworker can register as held or missed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.services.booking import booking as booking_svc
from portal.services.casework import conversation_record
from tests.booking_helpers import NOW, hours, utc

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


@pytest.fixture
def world(make, session):
    loc = make.location("Odense")
    cw = make.caseworker("birgitte", location=loc)
    hours(session, cw)
    member = make.member("mette", location=loc, caseworker=cw, target_group="2a")
    make.commit()
    return cw, member


def _book(session, cw, member, starts_at, type):
    return booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=starts_at, type=type,
                                 channel="in_person", actor=cw.user, now=NOW)


def test_started_bookings_not_cancelled_nor_registered_newest_first(session, world):
    cw, member = world
    first = _book(session, cw, member, utc(2027, 3, 23, 8, 0), "cv")
    second = _book(session, cw, member, utc(2027, 3, 24, 8, 0), "focus")
    cancelled = _book(session, cw, member, utc(2027, 3, 30, 8, 0), "contact_course")
    booking_svc.cancel_booking(session, cancelled, actor=cw.user, now=NOW, reason="Syg")
    future = _book(session, cw, member, utc(2027, 4, 1, 8, 0), "availability")
    later = utc(2027, 3, 31, 12, 0)
    assert conversation_record.registrable_bookings(session, member, now=later) == [second, first]
    assert future not in conversation_record.registrable_bookings(session, member, now=later)
    assert conversation_record.registrable_bookings(session, member, now=NOW) == []  # nothing has started yet


def test_a_registered_booking_is_not_offered_again(session, world):
    cw, member = world
    booking = _book(session, cw, member, utc(2027, 3, 23, 8, 0), "cv")
    session.commit()
    later = utc(2027, 3, 23, 10, 0)
    data = conversation_record.input_for(session, member, booking.id)
    data.outcome, data.notes, data.member_summary = "no_show", "Kom ikke.", ""
    from portal.services import access

    conversation_record.record_conversation(session, access.staff_scope(session, cw.user), member, data, now=later)
    assert conversation_record.registrable_bookings(session, member, now=later + timedelta(hours=1)) == []
