"""The booking forms' decisions as services, without HTTP: the member's channel, the caseworker's actions on a
booking (booking.staff_booking_action), working hours and exceptions (availability.working_hours_action), and
reading the typed values (form_values)."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Booking
from portal.models.booking import AvailabilityException, WorkingHours
from portal.services.booking import availability as avail
from portal.services.booking import booking as svc
from portal.services.booking.conversation_types import TYPES
from portal.services.errors import ValidationFailed
from portal.services.form_values import parse_date, parse_int, parse_time
from tests.booking_helpers import NOW, hours, utc

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen
TODAY = date(2027, 3, 22)


@pytest.fixture
def odense(make, session):
    loc = make.location("Odense", lat=55.40, lon=10.39)
    cw = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, cw)
    member = make.member("mette", location=loc, caseworker=cw, target_group="2a", preferred_channel="phone")
    make.commit()
    return {"loc": loc, "cw": cw, "member": member}


def _booked(session, odense, starts_at=None, type="cv") -> Booking:
    booking = svc.book_slot(session, member=odense["member"], caseworker_id=odense["cw"].id,
                            starts_at=starts_at or utc(2027, 3, 24, 9, 0), type=type, channel="in_person",
                            actor=odense["member"].user, now=NOW)
    session.commit()
    return booking


def _audit(session, action) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# ---- the member's channel --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("type_code", "asked", "expected"), [
    ("focus", "video", "video"),             # asked for, and the type can be held that way
    ("focus", None, "phone"),                # nothing asked: the member's preferred channel
    ("focus", "fax", "phone"),               # not a channel of the type: the preferred one
    ("cv", "phone", "in_person"),            # preferred channel not possible either: the type's first
    ("followup_video", None, "video"),
])
def test_member_channel(odense, type_code, asked, expected):
    assert svc.member_channel(odense["member"], TYPES[type_code], asked) == expected


def test_member_channel_keeps_a_moved_bookings_channel(session, odense):
    moving = _booked(session, odense, type="focus")
    moving.channel = "video"
    assert svc.member_channel(odense["member"], TYPES["focus"], None, moving=moving) == "video"
    assert svc.member_channel(odense["member"], TYPES["focus"], "in_person", moving=moving) == "in_person"


# ---- the caseworker's actions on a booking ---------------------------------------------------------------------

def test_outcome_is_registered(session, odense):
    booking = _booked(session, odense)
    message = svc.staff_booking_action(session, booking, "outcome", {"outcome": "no_show"},
                                       actor=odense["cw"].user, now=utc(2027, 3, 24, 10, 0))
    assert message == "Udfaldet er registreret." and booking.status == "no_show"


def test_move_reads_day_and_time_as_copenhagen_time(session, odense):
    booking = _booked(session, odense)
    message = svc.staff_booking_action(session, booking, "move",
                                       {"day": "2027-03-30", "time": "10.00", "reason": "Sygdom"},
                                       actor=odense["cw"].user, now=NOW)
    assert message.startswith("Samtalen er flyttet")
    assert booking.starts_at == utc(2027, 3, 30, 8, 0)  # summer time from 28 March: UTC+2


@pytest.mark.parametrize(("fields", "field"), [
    ({"day": "", "time": "10:00"}, "day"), ({"day": "2027-03-29", "time": ""}, "day"),
    ({"day": "29/3", "time": "10:00"}, "day"), ({"day": "2027-03-29", "time": "ti"}, "time"),
])
def test_move_without_a_readable_day_and_time_changes_nothing(session, odense, fields, field):
    booking = _booked(session, odense)
    with pytest.raises(ValidationFailed) as err:
        svc.staff_booking_action(session, booking, "move", fields, actor=odense["cw"].user, now=NOW)
    assert err.value.field == field and booking.starts_at == utc(2027, 3, 24, 9, 0)


def test_cancel_gives_the_reason_to_the_member(session, odense):
    booking = _booked(session, odense)
    message = svc.staff_booking_action(session, booking, "cancel", {"reason": "Sagsbehandleren er syg"},
                                       actor=odense["cw"].user, now=NOW)
    assert message.startswith("Samtalen er aflyst") and booking.status == "cancelled_fund"
    assert _audit(session, "booking.cancel") == 1


@pytest.mark.parametrize("action", [None, "", "delete"])
def test_an_unknown_booking_action_is_refused(session, odense, action):
    booking = _booked(session, odense)
    with pytest.raises(ValidationFailed, match="Ukendt handling"):
        svc.staff_booking_action(session, booking, action, {}, actor=odense["cw"].user, now=NOW)
    assert booking.status == "booked"


# ---- working hours and exceptions ------------------------------------------------------------------------------

def _hours_action(session, odense, action, fields):
    return avail.working_hours_action(session, odense["cw"], action, fields, actor=odense["cw"].user, today=TODAY,
                                      now=NOW)


def test_add_and_remove_working_hours(session, odense):
    fields = {"location_id": str(odense["loc"].id), "weekday": "5", "start_time": "09:00", "end_time": "12.00"}
    assert _hours_action(session, odense, "add_hours", fields) == ("Arbejdstiden er tilføjet.", [])
    saturday = session.scalar(select(WorkingHours).where(WorkingHours.weekday == 5))
    assert (saturday.start_time, saturday.end_time) == (time(9), time(12))
    assert _hours_action(session, odense, "remove_hours", {"id": str(saturday.id)}) == (
        "Arbejdstiden er fjernet.", [])
    assert session.get(WorkingHours, saturday.id) is None


def test_an_absence_returns_the_bookings_it_falls_on(session, odense):
    booking = _booked(session, odense)
    message, affected = _hours_action(session, odense, "add_exception", {"day": "2027-03-24", "kind": "absence"})
    assert message == "Fraværet er gemt." and affected == [booking]
    item = session.scalar(select(AvailabilityException))
    assert _hours_action(session, odense, "remove_exception", {"id": str(item.id)}) == (
        "Fraværet eller den ekstra tid er fjernet.", [])


def test_removing_the_hours_a_conversation_lies_in_returns_it(session, odense):
    # Removing Wednesday's hours said only "Arbejdstiden er fjernet." though a conversation was booked in them.
    booking = _booked(session, odense)  # Wednesday 24 March 2027, 10:00
    _booked(session, odense, starts_at=utc(2027, 3, 23, 9, 0), type="focus")  # Tuesday: unaffected
    wednesday = session.scalar(select(WorkingHours).where(WorkingHours.weekday == 2))
    message, affected = _hours_action(session, odense, "remove_hours", {"id": str(wednesday.id)})
    assert message == "Arbejdstiden er fjernet." and affected == [booking]


def test_an_exceptions_unreadable_time_names_the_exception_field(session, odense):
    with pytest.raises(ValidationFailed) as err:
        _hours_action(session, odense, "add_exception", {"day": "2027-03-24", "kind": "extra",
                                                         "ex_start_time": "ni"})
    assert err.value.field == "ex_start_time"


@pytest.mark.parametrize("action", [None, "add", "remove_everything"])
def test_an_unknown_hours_action_is_refused(session, odense, action):
    with pytest.raises(ValidationFailed, match="Ukendt handling"):
        _hours_action(session, odense, action, {})


# ---- typed values ----------------------------------------------------------------------------------------------

def test_form_values():
    assert parse_date("2027-03-29xx") == date(2027, 3, 29) and parse_date("", TODAY) == TODAY
    assert parse_time("09.30", "t") == time(9, 30) and parse_time("", "t") is None
    assert parse_int("12", "id") == 12 and parse_int("", "id") is None
    for parse, raw in ((parse_date, "31-02-2027"), (parse_time, "25:00"), (parse_int, "9" * 11)):
        with pytest.raises(ValidationFailed) as err:
            parse(raw, field="f")
        assert err.value.field == "f"


# ---- the member's own bookings ---------------------------------------------------------------------------------

def test_upcoming_and_past(session, odense):
    later = _booked(session, odense, utc(2027, 3, 24, 9, 0))
    sooner = _booked(session, odense, utc(2027, 3, 23, 9, 0), type="focus")
    cancelled = _booked(session, odense, utc(2027, 3, 30, 8, 0), type="contact_course")
    svc.cancel_booking(session, cancelled, actor=odense["member"].user, now=NOW)
    upcoming, past = svc.upcoming_and_past([later, cancelled, sooner], NOW)
    assert upcoming == [sooner, later] and past == [cancelled]
    upcoming, past = svc.upcoming_and_past([later, sooner], utc(2027, 3, 23, 12, 0))  # the first is over
    assert upcoming == [later] and past == [sooner]


def test_member_may_change_until_the_minimum_notice(session, odense):
    booking = _booked(session, odense, utc(2027, 3, 24, 9, 0))
    notice = svc.rules().min_notice
    assert svc.member_may_change(booking, booking.starts_at - notice)
    assert not svc.member_may_change(booking, booking.starts_at - notice + timedelta(minutes=1))
    svc.cancel_booking(session, booking, actor=odense["member"].user, now=NOW)
    assert not svc.member_may_change(booking, NOW)


# ---- a staff member's audited reads ----------------------------------------------------------------------------

def test_staff_reads_are_audited(session, odense):
    booking = _booked(session, odense)
    cw_user = odense["cw"].user
    svc.record_calendar_view(session, cw_user, odense["cw"], [TODAY, date(2027, 3, 23)], [booking], now=NOW)
    svc.record_booking_view(session, cw_user, booking, now=NOW)
    svc.record_member_lookup(session, cw_user, odense["member"], now=NOW)
    rows = session.execute(select(AuditEntry.action, AuditEntry.member_id, AuditEntry.detail, AuditEntry.at)
                           .where(AuditEntry.action.in_(("booking.calendar_view", "booking.view",
                                                         "booking.member_lookup")))
                           .order_by(AuditEntry.id)).all()
    member_id = odense["member"].id
    assert [tuple(r[:3]) for r in rows] == [
        ("booking.calendar_view", None, {"caseworker_id": odense["cw"].id, "from": "2027-03-22", "days": 2,
                                         "bookings": 1}),
        ("booking.view", member_id, {}), ("booking.member_lookup", member_id, {})]
    assert {r.at for r in rows} == {NOW}
