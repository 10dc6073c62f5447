"""Contact-course timeliness (rettidighed): the dashboard's SQL must agree with contact_course.statutory_steps.

For members in their current benefit period the rule says, per step, whether it was satisfied by a held
conversation no later than its due date; the SQL flags (`timeliness_flags`) must say the same, step by step.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import literal, select

from portal.models.base import UTCDateTime
from portal.services.booking.contact_course import course_for
from portal.services.steering import kpi
from portal.services.steering.kpi_measures import (
    TIMELINESS_STEPS,
    drop_cohort,
    prepare_cohort,
    timeliness_flags,
)
from portal.services.steering.kpi_sql import local_day
from portal.timeutil import to_local
from tests.steering.test_kpi_measures import booking, period

TODAY = date(2026, 11, 27)
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))


@pytest.fixture
def course(session, make):
    cw = make.caseworker()
    t1 = make.member(target_group="2a", first_unemployment_day=date(2026, 8, 3))
    t2 = make.member(target_group="1", first_unemployment_day=date(2026, 8, 10))
    t3 = make.member(target_group="2b", first_unemployment_day=date(2026, 8, 17))
    t4 = make.member(target_group="1", first_unemployment_day=date(2026, 11, 2))  # deadlines mostly ahead
    for m in (t1, t2, t3, t4):
        period(session, m, m.first_unemployment_day)
    # T1: everything on time except the 2nd focus conversation (booked, never marked held).
    booking(session, t1, cw, "cv", datetime(2026, 8, 5, 9, 0))
    booking(session, t1, cw, "contact_course", datetime(2026, 8, 5, 10, 0))
    booking(session, t1, cw, "contact_course", datetime(2026, 9, 20, 10, 0))
    booking(session, t1, cw, "availability", datetime(2026, 9, 25, 10, 0))
    booking(session, t1, cw, "joint", datetime(2026, 10, 28, 10, 0), created=datetime(2026, 9, 1, 12, 0))
    booking(session, t1, cw, "focus", datetime(2026, 10, 10, 10, 0))
    booking(session, t1, cw, "focus", datetime(2026, 10, 20, 10, 0), status="booked")
    # T2: CV late; the only contact-course conversation after day 14 goes to the 2nd step; invitation late.
    booking(session, t2, cw, "cv", datetime(2026, 8, 30, 9, 0))
    booking(session, t2, cw, "contact_course", datetime(2026, 8, 28, 10, 0))
    booking(session, t2, cw, "joint", datetime(2026, 11, 5, 10, 0), created=datetime(2026, 10, 26, 12, 0))  # day 78
    # T3: no-shows and cancellations do not count; CV only booked; two focus conversations held in time;
    # a contact-course conversation before the first day belongs to no step.
    booking(session, t3, cw, "contact_course", datetime(2026, 8, 14, 10, 0))
    booking(session, t3, cw, "contact_course", datetime(2026, 8, 20, 10, 0), status="no_show")
    booking(session, t3, cw, "contact_course", datetime(2026, 8, 21, 10, 0), status="cancelled_member")
    booking(session, t3, cw, "cv", datetime(2026, 8, 24, 10, 0), status="booked")
    booking(session, t3, cw, "focus", datetime(2026, 10, 1, 10, 0))
    booking(session, t3, cw, "focus", datetime(2026, 10, 2, 10, 0))
    # T4: a CV conversation late in the evening, local time (UTC date is the day before in summer/winter alike).
    booking(session, t4, cw, "cv", datetime(2026, 11, 10, 0, 30))
    make.commit()
    return [t1, t2, t3, t4]


def _sql_flags(session) -> dict[int, dict[str, tuple[int, int]]]:
    filters = kpi.Filters(date(2026, 1, 1), TODAY, split="none")
    prepare_cohort(session, filters.scope(TODAY))
    t = timeliness_flags(session, filters.scope(TODAY))
    result = {}
    for row in session.execute(select(t)).mappings():
        result[row["member_id"]] = {k: (row[f"{k}_due"], row[f"{k}_on_time"]) for k in TIMELINESS_STEPS}
    drop_cohort(session)
    return result


def test_sql_agrees_with_the_contact_course_rule_step_by_step(session, course):
    flags = _sql_flags(session)
    compared = 0
    for member in course:
        for step in course_for(session, member, TODAY):
            due, on_time = flags[member.id][step.key]
            rule_due = step.status != "not_required" and step.due_date < TODAY
            rule_on_time = rule_due and step.status == "held" and not step.late
            assert (bool(due), bool(on_time)) == (rule_due, rule_on_time), (member.first_unemployment_day, step)
            compared += 1
    assert compared == 4 * len(TIMELINESS_STEPS)


def test_expected_flags_for_the_fixture(session, course):
    t1, t2, t3, _ = course
    flags = _sql_flags(session)
    assert all(flags[t1.id][k] == (1, 1) for k in TIMELINESS_STEPS if k != "focus_2")
    assert flags[t1.id]["focus_2"] == (1, 0)
    assert flags[t2.id]["cv"] == (1, 0)
    assert flags[t2.id]["contact_course_1"] == (1, 0)
    assert flags[t2.id]["contact_course_2"] == (1, 1)
    assert flags[t2.id]["joint_invitation"] == (1, 0)
    assert flags[t2.id]["focus_1"] == (0, 0)  # group 1: not required
    assert flags[t3.id]["cv"] == (1, 0) and flags[t3.id]["contact_course_1"] == (1, 0)
    assert flags[t3.id]["focus_1"] == (1, 1) and flags[t3.id]["focus_2"] == (1, 1)


def test_timeliness_shares_on_the_dashboard(session, course):
    report = kpi.build_report(session, kpi.Filters(date(2026, 1, 1), TODAY, split="segment"), TODAY)
    rows = {row.measure.key: row for row in report.rows}
    # CV: T1 on time; T2 late; T3 only booked; T4 (due 14 Nov, passed) held on 10 Nov at 00:30 local → 2 of 4.
    assert (rows["timeliness_cv"].total.numerator, rows["timeliness_cv"].total.n) == (2, 4)
    # Focus: only group 2 (T1, T3): 1st on time for both, 2nd for T3 only.
    assert (rows["timeliness_focus_1"].total.value, rows["timeliness_focus_1"].total.n) == (100.0, 2)
    assert (rows["timeliness_focus_2"].total.value, rows["timeliness_focus_2"].total.n) == (50.0, 2)


@pytest.mark.parametrize("utc", [
    datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 1, 0), datetime(2026, 10, 25, 0, 59),
    datetime(2026, 10, 25, 1, 0), datetime(2026, 7, 1, 22, 30), datetime(2026, 12, 31, 23, 30),
    datetime(2026, 6, 15, 21, 59), datetime(2026, 1, 15, 22, 59),
])
def test_local_day_in_sql_matches_europe_copenhagen(session, utc):
    aware = utc.replace(tzinfo=UTC)
    value = session.execute(select(local_day(literal(aware, UTCDateTime())))).scalar_one()
    assert str(value) == to_local(aware).date().isoformat()
