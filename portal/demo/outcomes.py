"""Demo outcome data: 4 years of benefit periods and job starts per member, consistent with each member's status.

- `ledig`: the current benefit period starts on `first_unemployment_day` and is still running;
- `i_job`: the last period started on `first_unemployment_day` and ended with a job, which is still running;
- returning members (genindplacerede) have earlier periods; new members (nyindplacerede) have none;
- earlier periods end with a job (mostly) or otherwise; some members come back to benefit within weeks;
- some periods have odd hours (skæve timer) or a permanent attachment while on benefit ("in a job");
- formerly dismissed members (mark O) with a past notice period, a consent and, for some, a conversation in the
  notice period: some of them got a job before the notice ended (never signed on), the others signed on;
- the weekly detail (benefit_week) of every period of a sample of members, derived from those periods: full weeks
  on benefit, a last week cut short by the end, less than full weeks while working odd hours or part-time. The
  profiling label and survival curves read these.
Periods and weeks are written by portal.services.benefit_history.save_periods, as the import writes them.
Deterministic from ctx.seed; bulk inserts; a few seconds at 250,000 members.
"""
from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, insert, select, update

from portal.demo.context import SeedContext
from portal.models import Booking, Consent, Member
from portal.models.outcomes import JobStart
from portal.services import benefit_history
from portal.services.benefit_history import PeriodRecord
from portal.services.danish_calendar import is_working_day
from portal.timeutil import local_to_utc, to_local

BATCH = 20_000
BENEFIT_WEEK_MEMBERS = 2_000  # members whose periods get weekly detail (labels, survival curves); keeps 250k fast
IN_JOB_ON_BENEFIT = ("odd_hours", "permanent_attachment", "release_certificate")
HISTORY_DAYS = 4 * 365 + 1
CONSENT_TEXT = ("Jeg giver samtykke til, at FOA's fagforening fortæller FOA A-kasse, at jeg er opsagt, så a-kassen "
                "kan kontakte mig med tilbud i opsigelsesperioden.")


def seed(session, ctx: SeedContext) -> None:
    rng = random.Random(ctx.seed + 9)
    week_rng = random.Random(ctx.seed + 10)  # its own stream: the weeks do not shift the other draws
    members = session.execute(select(
        Member.id, Member.status, Member.first_unemployment_day, Member.placement, Member.target_group,
        Member.location_id, Member.caseworker_id,
    ).order_by(Member.id)).all()
    horizon = ctx.today - timedelta(days=HISTORY_DAYS)
    periods: list[PeriodRecord] = []
    jobs: list[tuple] = []
    dismissed: list[tuple] = []  # (member, notice_end, got_job)
    with_weeks = 0
    for m in members:
        first_period, first_job = len(periods), len(jobs)
        if m.id in (ctx.demo_member_id, ctx.dismissed_member_id, ctx.sick_member_id):
            anchor = m.first_unemployment_day
            if anchor:
                periods.append(_period(m.id, anchor, None, None, m.placement))
        else:
            _member_history(ctx, rng, m, horizon, periods, jobs, dismissed)
        if with_weeks < BENEFIT_WEEK_MEMBERS and len(periods) > first_period:
            with_weeks += 1
            periods[first_period:] = [_with_weeks(p, jobs[first_job:], ctx.today, week_rng)
                                      for p in periods[first_period:]]
    saved = benefit_history.save_periods(session, periods, source="demo", today=ctx.today, now=ctx.now)
    _insert_raw(session, jobs)
    consents, bookings = _dismissed_records(session, ctx, rng, dismissed)
    ctx.summary.update(benefit_periods=saved.created, benefit_weeks=saved.weeks_written, job_starts=len(jobs),
                       dismissed_history=len(dismissed), notice_consents=consents, notice_conversations=bookings)


def _period(member_id, start, end, reason, placement, group=None) -> PeriodRecord:
    return PeriodRecord(member_id=member_id, start_date=start, end_date=end, end_reason=reason,
                        placement=placement, target_group=group)


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


def _job(member_id, start, end, permanent, kind, ctx) -> tuple:
    return (member_id, start, end, permanent, kind, "demo", _naive_utc(ctx.now))


JOB_COLUMNS = ("member_id", "start_date", "end_date", "permanent", "kind", "source", "imported_at")


@lru_cache(maxsize=4)
def _naive_utc(moment: datetime) -> datetime:
    """UTCDateTime stores naive UTC; the raw insert below bypasses its bind processing."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _duration(rng: random.Random, group: str | None) -> int:
    """Days on benefit in a completed period; group 2 stays longer (DOMAIN.md: at risk of long-term)."""
    roll = rng.random() - (0.12 if group in ("2a", "2b") else 0.0)
    if roll < 0.50:
        return rng.randint(5, 60)
    if roll < 0.86:
        return rng.randint(61, 91)
    if roll < 0.95:
        return rng.randint(92, 182)
    return rng.randint(183, 500)


def _member_history(ctx, rng, m, horizon: date, periods: list, jobs: list, dismissed: list) -> None:
    today = ctx.today
    group = m.target_group
    # The period the member record describes, if any; earlier history is laid out backwards from it.
    anchor = today
    later_period_start = None
    if m.status == "ledig" and m.first_unemployment_day:
        if rng.random() < 0.08:  # dismissed before, signed on when the notice ended
            dismissed.append((m, m.first_unemployment_day - timedelta(days=1), False))
        _odd_hours(ctx, rng, m.id, m.first_unemployment_day, today, jobs)
        periods.append(_period(m.id, m.first_unemployment_day, None, None, m.placement))
        anchor = later_period_start = m.first_unemployment_day
    elif m.status == "i_job" and m.first_unemployment_day:
        if rng.random() < 0.3:  # dismissed, found a job before the notice ended: never signed on
            notice_end = today - timedelta(days=rng.randint(20, 700))
            dismissed.append((m, notice_end, True))
            job_start = notice_end + timedelta(days=1 - rng.randint(0, 30))
            jobs.append(_job(m.id, job_start, None, rng.random() < 0.5, "employment", ctx))
            anchor = job_start - timedelta(days=rng.randint(200, 900))
            later_period_start = None
        else:
            start = m.first_unemployment_day
            end = min(start + timedelta(days=_duration(rng, group) - 1), today - timedelta(days=1))
            periods.append(_period(m.id, start, end, "job", m.placement))
            jobs.append(_job(m.id, end + timedelta(days=1), None, rng.random() < 0.42, "employment", ctx))
            anchor = later_period_start = start
    if m.placement != "returning" and later_period_start is not None:
        return  # nyindplaceret: this is the first period
    # Earlier, completed periods (returning members; and others' history before the record's period).
    count = rng.choices((0, 1, 2, 3), (0.25, 0.4, 0.25, 0.1))[0] if m.placement == "returning" else \
        rng.choices((0, 1, 2), (0.55, 0.35, 0.1))[0]
    if m.placement == "returning" and later_period_start is not None:
        count = max(1, count)
    for _ in range(count):
        gap = rng.randint(7, 80) if rng.random() < 0.35 else rng.randint(92, 600)
        end = anchor - timedelta(days=gap + 1)
        start = end - timedelta(days=_duration(rng, group) - 1)
        if start < horizon:
            break
        reason = "job" if rng.random() < 0.8 else "other"
        placement = "returning" if rng.random() < 0.4 else "new"
        periods.append(_period(m.id, start, end, reason, placement))
        _odd_hours(ctx, rng, m.id, start, end, jobs)
        if reason == "job":
            job_end = None if anchor >= today else anchor - timedelta(days=1)
            jobs.append(_job(m.id, end + timedelta(days=1), job_end, rng.random() < 0.4, "employment", ctx))
        anchor = start


def _odd_hours(ctx, rng, member_id: int, start: date, end: date, jobs: list) -> None:
    """Some members are "in a job" while on benefit: odd hours or a permanent part-time attachment."""
    if (end - start).days < 21 or rng.random() >= 0.12:
        return
    begin = start + timedelta(days=rng.randint(7, (end - start).days - 7))
    kind = rng.choice(("odd_hours", "permanent_attachment", "release_certificate"))
    jobs.append(_job(member_id, begin, None if end >= ctx.today else end, kind == "permanent_attachment", kind, ctx))


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
            booking = _notice_conversation(ctx, rng, m, given_day, notice_end, used_slots)
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


def _occupied_slots(session, ctx, since: date) -> set[tuple[int, date, int]]:
    """Half-hour slots (08:00–14:00) already taken by active bookings, so the overlap guards never fire."""
    used: set[tuple[int, date, int]] = set()
    rows = session.execute(select(Booking.caseworker_id, Booking.starts_at, Booking.ends_at).where(
        Booking.status.in_(("booked", "held")), Booking.starts_at >= local_to_utc(datetime.combine(since, time())),
        Booking.starts_at < local_to_utc(datetime.combine(ctx.today, time()))))
    for caseworker_id, starts, ends in rows:
        local_start, local_end = to_local(starts), to_local(ends)
        for slot in range(12):
            slot_start = datetime.combine(local_start.date(), time(8 + slot // 2, 30 * (slot % 2)),
                                          tzinfo=local_start.tzinfo)
            if slot_start < local_end and slot_start + timedelta(minutes=30) > local_start:
                used.add((caseworker_id, local_start.date(), slot))
    return used


def _notice_conversation(ctx, rng, m, given_day: date, notice_end: date, used: set) -> dict | None:
    """A held phone conversation on a working day between the consent and the notice end, at a free half hour."""
    span = (notice_end - given_day).days
    if span < 3:
        return None
    for _ in range(6):
        day = given_day + timedelta(days=rng.randint(1, span))
        if not is_working_day(day) or day >= ctx.today:
            continue
        slot = rng.randint(0, 11)  # 08:00–13:30, half hours
        key = (m.caseworker_id, day, slot)
        if key in used:
            continue
        used.add(key)
        starts = local_to_utc(datetime.combine(day, time(8 + slot // 2, 30 * (slot % 2))))
        return {"uid": f"demo-notice-{m.id}@foa-akasse.dk", "member_id": m.id, "caseworker_id": m.caseworker_id,
                "location_id": m.location_id, "type": "followup_phone", "channel": "phone", "starts_at": starts,
                "ends_at": starts + timedelta(minutes=30), "status": "held", "sequence": 0,
                "with_jobcenter": False, "created_at": starts - timedelta(days=3), "updated_at": starts}
    return None
