"""The contact-course engine: day counting, the weekend/holiday rule, which booking satisfies which step."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.services.booking import contact_course as cc
from portal.services.danish_calendar import add_working_days, is_working_day, next_working_day


def member(first_day=date(2026, 1, 7), group="1", status="ledig"):
    return SimpleNamespace(id=1, status=status, first_unemployment_day=first_day, target_group=group)


_ids = iter(range(1, 10_000))


def booking(type_, day: date, status="booked", hour=9):
    # 09:00 UTC is 10:00 in Copenhagen, the same calendar day.
    starts = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return SimpleNamespace(id=next(_ids), type=type_, status=status, starts_at=starts,
                           ends_at=starts + timedelta(minutes=45), created_at=starts - timedelta(days=7))


def by_key(steps):
    return {s.key: s for s in steps}


# ---- the Danish calendar ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("day,working", [
    (date(2026, 1, 7), True),  # an ordinary Wednesday
    (date(2026, 1, 10), False),  # Saturday
    (date(2026, 1, 11), False),  # Sunday
    (date(2026, 1, 1), False),  # Nytårsdag
    (date(2026, 4, 2), False),  # Skærtorsdag
    (date(2026, 4, 3), False),  # Langfredag
    (date(2026, 4, 6), False),  # 2. påskedag
    (date(2026, 5, 1), False),  # 1. maj (office closing day)
    (date(2026, 5, 8), True),  # former Store Bededag: a working day since 2024
    (date(2026, 5, 14), False),  # Kristi himmelfart
    (date(2026, 5, 25), False),  # 2. pinsedag
    (date(2026, 6, 5), False),  # Grundlovsdag
    (date(2026, 12, 24), False),  # Juleaften
    (date(2026, 12, 31), False),  # Nytårsaften
])
def test_working_days_follow_the_danish_calendar(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize("start,n,expected", [
    (date(2026, 1, 7), 0, date(2026, 1, 7)),
    (date(2026, 1, 7), 1, date(2026, 1, 8)),
    (date(2026, 1, 9), 1, date(2026, 1, 12)),  # Friday + 1 = Monday
    (date(2026, 4, 1), 1, date(2026, 4, 7)),  # over Easter
    (date(2026, 4, 7), -1, date(2026, 4, 1)),  # backwards over Easter
    (date(2026, 12, 23), 2, date(2026, 12, 29)),  # over Christmas (24, 25, 26, 27 closed)
    (date(2026, 1, 12), -5, date(2026, 1, 5)),
])
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_next_working_day_skips_easter():
    assert next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert next_working_day(date(2026, 4, 7)) == date(2026, 4, 7)


# ---- due dates --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("first_day,within_14_days,within_9_weeks,within_13_weeks", [
    # Day 1 = first day of unemployment; day 14, 63, 91 are the last days "within" the deadline.
    (date(2026, 1, 7), date(2026, 1, 20), date(2026, 3, 10), date(2026, 4, 7)),  # all on working days
    (date(2026, 1, 5), date(2026, 1, 16), date(2026, 3, 6), date(2026, 4, 1)),  # Sun→Fri, Sun→Fri, Easter→Wed
    (date(2026, 12, 12), date(2026, 12, 23), date(2027, 2, 12), date(2027, 3, 12)),  # Christmas Day→23 Dec
    (date(2026, 3, 13), date(2026, 3, 26), date(2026, 5, 13), date(2026, 6, 11)),  # Ascension Day→Wed
    (date(2026, 5, 12), date(2026, 5, 22), date(2026, 7, 13), date(2026, 8, 10)),  # Whit Monday→Fri
    (date(2026, 5, 23), date(2026, 6, 4), date(2026, 7, 24), date(2026, 8, 21)),  # Grundlovsdag→Thu
    (date(2026, 12, 19), date(2026, 12, 30), date(2027, 2, 19), date(2027, 3, 19)),  # 1 Jan & 31 Dec→30 Dec
])
def test_due_dates_count_from_day_one_and_move_back_from_closed_days(first_day, within_14_days, within_9_weeks,
                                                                     within_13_weeks):
    steps = by_key(cc.statutory_steps(member(first_day, group="2a"), [], today=first_day))
    assert steps["cv"].due_date == steps["contact_course_1"].due_date == within_14_days
    assert steps["availability"].due_date == steps["contact_course_2"].due_date == within_9_weeks
    # the invitation: after 9 weeks (from day 64), by day 77, two weeks before the 13-week deadline
    assert steps["joint_invitation"].opens_on == first_day + timedelta(days=63)
    assert steps["joint_invitation"].due_date == cc.due_date_for(first_day, 77)
    assert within_9_weeks < steps["joint_invitation"].due_date < within_13_weeks
    assert steps["joint"].due_date == within_13_weeks
    assert steps["focus_1"].due_date == steps["focus_2"].due_date == within_13_weeks


def test_steps_come_in_the_documented_order_with_keys():
    steps = cc.statutory_steps(member(), [], today=date(2026, 1, 7))
    assert [s.key for s in steps] == ["cv", "contact_course_1", "availability", "contact_course_2",
                                      "joint_invitation", "joint", "focus_1", "focus_2"]
    assert steps[0].title == "CV-samtale"
    assert steps[0].conversation_type == "cv"


# ---- statuses ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("today,cv_status", [
    (date(2026, 1, 7), "planned"),  # day 1
    (date(2026, 1, 20), "planned"),  # the due date itself is still on time
    (date(2026, 1, 21), "overdue"),  # the day after
])
def test_cv_conversation_due_within_14_days(today, cv_status):
    assert by_key(cc.statutory_steps(member(), [], today))["cv"].status == cv_status


def test_booked_and_held_bookings_satisfy_their_steps():
    held_cv = booking("cv", date(2026, 1, 12), status="held")
    booked_cc = booking("contact_course", date(2026, 1, 15))
    steps = by_key(cc.statutory_steps(member(), [held_cv, booked_cc], today=date(2026, 1, 13)))
    assert steps["cv"].status == "held" and steps["cv"].booking_id == held_cv.id
    assert steps["cv"].held_at == held_cv.starts_at and not steps["cv"].late
    assert steps["contact_course_1"].status == "booked" and steps["contact_course_1"].held_at is None
    assert steps["contact_course_2"].status == "planned"


def test_cancelled_and_no_show_bookings_do_not_count():
    bookings = [booking("cv", date(2026, 1, 12), status="cancelled_member"),
                booking("cv", date(2026, 1, 13), status="no_show")]
    steps = by_key(cc.statutory_steps(member(), bookings, today=date(2026, 1, 21)))
    assert steps["cv"].status == "overdue" and steps["cv"].booking_id is None


@pytest.mark.parametrize("days,expected_1,expected_2", [
    # day of each contact-course booking (day 1 = 7 Jan) → which step it satisfies
    ([10], "booked", "planned"),  # first within 14 days → step 1
    ([10, 40], "booked", "booked"),  # second → step 2
    ([40], "overdue", "booked"),  # a first one in week 6 is the 9-week conversation; the 14-day one was missed
    ([70], "overdue", "booked"),  # after both deadlines: it counts (late) for the latest open step
    ([10, 20, 40], "booked", "booked"),  # the extra one satisfies nothing more
])
def test_contact_course_booking_satisfies_the_step_due_next(days, expected_1, expected_2):
    first = date(2026, 1, 7)
    bookings = [booking("contact_course", first + timedelta(days=d - 1)) for d in days]
    steps = by_key(cc.statutory_steps(member(first), bookings, today=first + timedelta(days=50)))
    assert (steps["contact_course_1"].status, steps["contact_course_2"].status) == (expected_1, expected_2)


def test_late_conversation_is_marked_late():
    first = date(2026, 1, 7)
    steps = by_key(cc.statutory_steps(member(first), [booking("cv", date(2026, 1, 26), "held")], date(2026, 2, 1)))
    assert steps["cv"].status == "held" and steps["cv"].late


def test_joint_booking_is_the_invitation_and_the_joint_conversation():
    first = date(2026, 1, 7)
    joint = booking("joint", date(2026, 3, 30))
    joint.created_at = datetime(2026, 3, 2, 10, tzinfo=UTC)  # invited in week 9
    steps = by_key(cc.statutory_steps(member(first), [joint], today=date(2026, 3, 15)))
    assert steps["joint"].status == "booked" and steps["joint"].booking_id == joint.id
    assert steps["joint_invitation"].status == "held" and not steps["joint_invitation"].late
    in_week_11 = booking("joint", date(2026, 4, 6))
    in_week_11.created_at = datetime(2026, 3, 20, 10, tzinfo=UTC)  # day 73: after 9 weeks, before day 77
    steps = by_key(cc.statutory_steps(member(first), [in_week_11], today=date(2026, 3, 25)))
    assert steps["joint_invitation"].status == "held" and not steps["joint_invitation"].late
    late_invite = booking("joint", date(2026, 4, 6))
    late_invite.created_at = datetime(2026, 3, 25, 10, tzinfo=UTC)  # day 78
    steps = by_key(cc.statutory_steps(member(first), [late_invite], today=date(2026, 3, 26)))
    assert steps["joint_invitation"].late


@pytest.mark.parametrize("today,status", [
    (date(2026, 3, 10), "planned"),  # day 63: the invitation is not due yet (it goes out after 9 weeks)
    (date(2026, 3, 11), "planned"),  # day 64: it opens
    (date(2026, 3, 24), "planned"),  # day 77: the last day it is on time
    (date(2026, 3, 25), "overdue"),  # day 78
])
def test_joint_invitation_goes_out_after_week_9_and_is_overdue_after_day_77(today, status):
    steps = by_key(cc.statutory_steps(member(date(2026, 1, 7)), [], today=today))
    assert steps["joint_invitation"].status == status
    assert steps["joint_invitation"].opens_on == date(2026, 3, 11)
    assert steps["joint"].status == "planned"


@pytest.mark.parametrize("group,focus_status", [("1", "not_required"), (None, "not_required"), ("2a", "planned"),
                                                ("2b", "planned")])
def test_focus_conversations_are_a_right_of_group_2(group, focus_status):
    steps = by_key(cc.statutory_steps(member(group=group), [], today=date(2026, 1, 7)))
    assert steps["focus_1"].status == steps["focus_2"].status == focus_status


def test_two_focus_bookings_fill_both_focus_steps():
    bookings = [booking("focus", date(2026, 3, 16), "held"), booking("focus", date(2026, 3, 23))]
    steps = by_key(cc.statutory_steps(member(group="2b"), bookings, today=date(2026, 3, 17)))
    assert steps["focus_1"].status == "held" and steps["focus_2"].status == "booked"


# ---- who has a course -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["opsagt", "sygemeldt", "i_job"])
def test_members_who_are_not_unemployed_have_no_statutory_steps(status):
    steps = cc.statutory_steps(member(status=status), [booking("cv", date(2026, 1, 12))], date(2026, 1, 13))
    assert steps == []
    assert cc.next_step(steps) is None
    assert cc.weeks_unemployed(member(status=status), date(2026, 3, 1)) is None


def test_returning_member_starts_a_new_course_and_old_bookings_do_not_count():
    old_cv = booking("cv", date(2025, 6, 10), status="held")
    returning = member(first_day=date(2026, 1, 7))
    steps = by_key(cc.statutory_steps(returning, [old_cv], today=date(2026, 1, 21)))
    assert steps["cv"].status == "overdue" and steps["cv"].booking_id is None
    assert steps["cv"].due_date == date(2026, 1, 20)


def test_booking_on_day_one_counts():
    steps = by_key(cc.statutory_steps(member(), [booking("cv", date(2026, 1, 7))], date(2026, 1, 7)))
    assert steps["cv"].status == "booked"


def test_booking_day_is_the_copenhagen_day():
    # 23:30 UTC on 6 Jan is 00:30 on 7 Jan in Copenhagen: inside a course starting 7 Jan.
    b = booking("cv", date(2026, 1, 6), hour=23)
    b.starts_at = b.starts_at.replace(minute=30)
    assert by_key(cc.statutory_steps(member(), [b], date(2026, 1, 8)))["cv"].status == "booked"


@pytest.mark.parametrize("today,weeks", [
    (date(2026, 1, 7), 0), (date(2026, 1, 13), 0), (date(2026, 1, 14), 1), (date(2026, 4, 8), 13),
    (date(2026, 1, 1), 0),  # before the first day (a future first day) counts as 0
])
def test_weeks_unemployed(today, weeks):
    assert cc.weeks_unemployed(member(), today) == weeks


# ---- next step --------------------------------------------------------------------------------------------------

def test_next_step_prefers_overdue_then_earliest_due():
    first = date(2026, 1, 7)
    steps = cc.statutory_steps(member(first), [booking("cv", date(2026, 1, 12), "held")], date(2026, 1, 10))
    assert cc.next_step(steps).key == "contact_course_1"
    steps = cc.statutory_steps(member(first), [], date(2026, 3, 11))
    assert cc.next_step(steps).key == "cv" and cc.next_step(steps).status == "overdue"


def test_next_step_is_none_when_everything_is_booked():
    first = date(2026, 1, 7)
    bookings = [booking(t, date(2026, 1, 12)) for t in ("cv", "contact_course")] + [
        booking(t, date(2026, 2, 20)) for t in ("availability", "contact_course")] + [booking("joint", date(2026, 3, 30))]
    steps = cc.statutory_steps(member(first), bookings, date(2026, 1, 10))
    assert cc.next_step(steps) is None


def test_course_for_loads_the_members_bookings(session, make):
    from portal.models import Booking

    cw = make.caseworker()
    m = make.member(first_unemployment_day=date(2026, 1, 7), caseworker=cw)
    other = make.member(first_unemployment_day=date(2026, 1, 7), caseworker=cw)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for who, uid, hour in ((m, "b-1", 9), (other, "b-2", 11)):
        session.add(Booking(uid=uid, member_id=who.id, caseworker_id=cw.id, location_id=who.location_id, type="cv",
                            channel="in_person", starts_at=datetime(2026, 1, 12, hour, tzinfo=UTC),
                            ends_at=datetime(2026, 1, 12, hour, 45, tzinfo=UTC), status="held",
                            created_at=now, updated_at=now))
    session.flush()
    steps = by_key(cc.course_for(session, m, date(2026, 1, 13)))
    assert steps["cv"].status == "held"
    other_steps = by_key(cc.course_for(session, other, date(2026, 1, 13)))
    assert other_steps["cv"].booking_id != steps["cv"].booking_id


@pytest.mark.parametrize("group, today", [
    ("1", date(2026, 1, 10)), ("1", date(2026, 3, 11)), ("2a", date(2026, 3, 11)), ("2b", date(2026, 6, 1)),
])
def test_open_step_is_the_step_the_rule_gives_before_its_booking(group, today):
    """The caseload reads a stored next step back by its key: the same step, planned or overdue by `today`."""
    first = date(2026, 1, 7)
    held_early = [booking("cv", date(2026, 1, 12), "held"), booking("contact_course", date(2026, 1, 13), "held")]
    for bookings in ([], held_early):
        steps = cc.statutory_steps(member(first, group=group), bookings, today)
        expected = cc.next_step(steps)
        assert cc.open_step(member(first, group=group), expected.key, today) == expected
    assert cc.open_step(member(first, group=group), "cv", first).status == "planned"
    assert cc.open_step(member(first, group=group), "cv", date(2026, 1, 21)).status == "overdue"


def test_open_step_is_none_without_such_a_step():
    assert cc.open_step(member(group="1"), "focus_1", date(2026, 1, 10)) is None  # group 1: not required
    assert cc.open_step(member(status="i_job"), "cv", date(2026, 1, 10)) is None
    assert cc.open_step(member(first_day=None), "cv", date(2026, 1, 10)) is None
    assert cc.open_step(member(), "no_such_step", date(2026, 1, 10)) is None
