"""Demo outcome data: 4 years of benefit periods and job starts per member, consistent with each member's status.

The periods and jobs are planned in portal/demo/history.py (shared with the booking step); this step writes them,
and adds:
- formerly dismissed members (mark O) with a past notice period, a consent and, for some, a conversation in the
  notice period: some of them got a job before the notice ended (never signed on), the others signed on;
- the weekly detail (benefit_week) of every period of a sample of members, derived from those periods: full weeks
  on benefit, a last week cut short by the end, less than full weeks while working odd hours or part-time. The
  profiling label and survival curves read these.
Periods and weeks are written by portal.services.steering.benefit_history.save_periods, as the import writes them.
Deterministic from ctx.seed; bulk inserts; a few seconds at 250,000 members.
"""
from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, insert, select, update

from portal.demo.booking import DAY_BLOCKS
from portal.demo.context import SeedContext
from portal.demo.history import history_of
from portal.models import Booking, Consent, Member
from portal.models.booking import WorkingHours
from portal.models.outcomes import JobStart
from portal.models.statuses import BookingStatus
from portal.services.danish_calendar import is_working_day
from portal.services.steering import benefit_history
from portal.services.steering.benefit_history import PeriodRecord
from portal.timeutil import local_to_utc, to_local

BATCH = 20_000
BENEFIT_WEEK_MEMBERS = 2_000  # members whose periods get weekly detail (labels, survival curves); keeps 250k fast
IN_JOB_ON_BENEFIT = ("odd_hours", "permanent_attachment", "release_certificate")
CONSENT_TEXT = ("Jeg giver samtykke til, at FOA's fagforening fortæller FOA A-kasse, at jeg er opsagt, så a-kassen "
                "kan kontakte mig med tilbud i opsigelsesperioden.")


def seed(session, ctx: SeedContext) -> None:
    week_rng = random.Random(ctx.seed + 10)  # its own stream: the weeks do not shift the other draws
    history = history_of(session, ctx)
    periods, jobs = list(history.periods), history.jobs
    for _member, first_period, last_period, first_job, last_job in history.slices[:BENEFIT_WEEK_MEMBERS]:
        periods[first_period:last_period] = [_with_weeks(p, jobs[first_job:last_job], ctx.today, week_rng)
                                             for p in periods[first_period:last_period]]
    saved = benefit_history.save_periods(session, periods, source="demo", today=ctx.today, now=ctx.now)
    _insert_raw(session, jobs)
    consents, bookings = _dismissed_records(session, ctx, history.rng, history.dismissed)
    ctx.summary.update(benefit_periods=saved.created, benefit_weeks=saved.weeks_written, job_starts=len(jobs),
                       dismissed_history=len(history.dismissed), notice_consents=consents,
                       notice_conversations=bookings)


def _with_weeks(period: PeriodRecord, jobs: list[tuple], today: date, rng: random.Random) -> PeriodRecord:
    """The period with its weekly detail: benefit_history's full-time weeks, reduced in the weeks the member also
    worked (odd hours, a permanent part-time attachment, a release certificate: supplementary benefit)."""
    weeks = list(benefit_history.weeks_for_period(period.start_date, period.end_date, today))
    for _member, start, end, _permanent, kind, *_ in jobs:
        if kind not in IN_JOB_ON_BENEFIT:
            continue
        first = (start - period.start_date).days // 7
        last = len(weeks) if end is None else (end - period.start_date).days // 7 + 1
        share = rng.choice((0.4, 0.5, 0.6, 0.7))
        for i in range(max(first, 0), min(last, len(weeks))):
            weeks[i] = round(min(weeks[i], share), 4)
    return dataclasses.replace(period, weeks=tuple(weeks))


JOB_COLUMNS = ("member_id", "start_date", "end_date", "permanent", "kind", "source", "imported_at")


def _insert_raw(session, rows: list[tuple]) -> None:
    """Driver-level executemany for the job starts: a few hundred thousand rows at 250,000 members, and
    SQLAlchemy's per-value bind processing would dominate the seed time."""
    if not rows:
        return
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {JobStart.__tablename__} ({', '.join(JOB_COLUMNS)}) "  # nosec B608 - table and column names are the model's own constants
           f"VALUES ({', '.join(marker for _ in JOB_COLUMNS)})")
    for i in range(0, len(rows), BATCH):
        conn.exec_driver_sql(sql, rows[i:i + BATCH])


def _insert(session, model, rows: list[dict]) -> None:
    # Core executemany on the table: the ORM bulk path splits batches wherever the set of None columns changes.
    for i in range(0, len(rows), BATCH):
        session.execute(insert(model.__table__), rows[i:i + BATCH])


def _dismissed_records(session, ctx, rng, dismissed) -> tuple[int, int]:
    """Mark O and the past notice period on the member; the consent; for some a held conversation in it."""
    if not dismissed:
        return 0, 0
    updates, consents, bookings = [], [], []
    used_slots = _occupied_slots(session, ctx, min(d[1] for d in dismissed) - timedelta(days=150))
    hours = _working_hours(session)
    for m, notice_end, got_job in dismissed:
        row = {"b_id": m.id, "notice_end_date": notice_end}
        if got_job:
            row["first_unemployment_day"] = None
        updates.append(row)
        if rng.random() < 0.15:
            continue  # no consent: not in the measure's population
        given_day = notice_end - timedelta(days=rng.randint(30, 150))
        given_at = local_to_utc(datetime.combine(given_day, time(rng.randint(8, 20), rng.randint(0, 59))))
        consents.append({"member_id": m.id, "purpose": "union_to_akasse", "text_shown": CONSENT_TEXT,
                         "source": "union_department", "given_at": given_at})
        if rng.random() < (0.65 if got_job else 0.45) and m.caseworker_id:
            booking = _notice_conversation(ctx, rng, m, given_day, notice_end, used_slots, hours)
            if booking:
                bookings.append(booking)
    table = Member.__table__
    for i in range(0, len(updates), BATCH):
        chunk = updates[i:i + BATCH]
        with_day = [u for u in chunk if "first_unemployment_day" in u]
        without = [u for u in chunk if "first_unemployment_day" not in u]
        if without:
            session.execute(update(table).where(table.c.id == bindparam("b_id"))
                            .values(mark_o=True, notice_end_date=bindparam("notice_end_date")), without)
        if with_day:
            session.execute(update(table).where(table.c.id == bindparam("b_id"))
                            .values(mark_o=True, notice_end_date=bindparam("notice_end_date"),
                                    first_unemployment_day=None), with_day)
    _insert(session, Consent, consents)
    _insert(session, Booking, bookings)
    return len(consents), len(bookings)


SLOTS = 13  # half hours from 09:00 to 15:00


def _slot_time(slot: int) -> time:
    return time(9 + slot // 2, 30 * (slot % 2))


def _occupied_slots(session, ctx, since: date) -> set[tuple[int, date, int]]:
    """Half-hour slots (09:00–15:00) already taken by active bookings, so the overlap guards never fire."""
    used: set[tuple[int, date, int]] = set()
    rows = session.execute(select(Booking.caseworker_id, Booking.starts_at, Booking.ends_at).where(
        Booking.status.in_((BookingStatus.BOOKED, BookingStatus.HELD)),
        Booking.starts_at >= local_to_utc(datetime.combine(since, time())),
        Booking.starts_at < local_to_utc(datetime.combine(ctx.today, time()))))
    for caseworker_id, starts, ends in rows:
        local_start, local_end = to_local(starts), to_local(ends)
        for slot in range(SLOTS):
            slot_start = datetime.combine(local_start.date(), _slot_time(slot), tzinfo=local_start.tzinfo)
            if slot_start < local_end and slot_start + timedelta(minutes=30) > local_start:
                used.add((caseworker_id, local_start.date(), slot))
    return used


def _working_hours(session) -> dict[tuple[int, int], list[tuple[time, time]]]:
    """(caseworker, weekday) → working blocks; without the booking step's hours, its usual week for everyone."""
    hours: dict[tuple[int, int], list[tuple[time, time]]] = {}
    for cw, weekday, start, end in session.execute(select(WorkingHours.caseworker_id, WorkingHours.weekday,
                                                          WorkingHours.start_time, WorkingHours.end_time)):
        hours.setdefault((cw, weekday), []).append((start, end))
    return hours


def _at_work(hours: dict, caseworker_id: int, day: date, at: time, minutes: int) -> bool:
    end = (datetime.combine(day, at) + timedelta(minutes=minutes)).time()
    blocks = hours.get((caseworker_id, day.weekday())) if hours else DAY_BLOCKS.get(day.weekday())
    return any(start <= at and end <= stop for start, stop in blocks or ())


def _notice_conversation(ctx, rng, m, given_day: date, notice_end: date, used: set, hours: dict) -> dict | None:
    """A held phone conversation on a working day between the consent and the notice end, at a free half hour."""
    span = (notice_end - given_day).days
    if span < 3:
        return None
    for _ in range(6):
        day = given_day + timedelta(days=rng.randint(1, span))
        if not is_working_day(day) or day >= ctx.today:
            continue
        slot = rng.randint(0, SLOTS - 1)
        key = (m.caseworker_id, day, slot)
        if key in used or not _at_work(hours, m.caseworker_id, day, _slot_time(slot), 30):
            continue
        used.add(key)
        starts = local_to_utc(datetime.combine(day, _slot_time(slot)))
        return {"uid": f"demo-notice-{m.id}@foa-akasse.dk", "member_id": m.id, "caseworker_id": m.caseworker_id,
                "location_id": m.location_id, "type": "followup_phone", "channel": "phone", "starts_at": starts,
                "ends_at": starts + timedelta(minutes=30), "status": "held", "sequence": 0,
                "with_jobcenter": False, "created_at": starts - timedelta(days=3), "updated_at": starts}
    return None
