"""Shared helpers for the booking tests: working hours and a frozen 'now'."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from portal.models.booking import WorkingHours
from portal.timeutil import LOCAL_TZ, local_today

# Monday 22 March 2027, 08:00 UTC (09:00 in Copenhagen); the clocks go forward on Sunday 28 March.
NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


def hours(session, caseworker, *, weekdays=range(5), start=time(9, 0), end=time(15, 0), location=None):
    for weekday in weekdays:
        session.add(WorkingHours(caseworker_id=caseworker.id, location_id=(location or caseworker.location).id,
                                 weekday=weekday, start_time=start, end_time=end))
    session.flush()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def racers(make, session, count: int):
    """One Odense caseworker open 08–16 every day and `count` members of hers (the concurrency tests' field)."""
    from datetime import time as clock_time

    loc = make.location("Odense")
    caseworker = make.caseworker("birgitte", location=loc)
    hours(session, caseworker, weekdays=range(7), start=clock_time(8), end=clock_time(16))
    members = [make.member(f"racer{i}", location=loc, caseworker=caseworker, target_group="1") for i in range(count)]
    make.commit()
    return caseworker, members


def next_weekday(days_ahead: int = 3, at: time = time(10, 0)) -> datetime:
    """A weekday at least `days_ahead` days from today (the test clock's), at a local time, as UTC."""
    day = local_today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)
