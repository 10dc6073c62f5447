"""The members' benefit history as the demo lays it out: periods, job starts and past notice periods per member.

Planned once per seed (`history_of`, kept on the SeedContext) from the member rows and ctx.seed, so the booking step
(statutory conversations in each period) and the outcomes step (which writes the periods and jobs) tell the same
story whichever of them runs, in either order. Members' status, first day and group do not change before it.

- `ledig`: the current benefit period starts on `first_unemployment_day` and is still running;
- `i_job`: the last period started on `first_unemployment_day` and ended with a job, which is still running;
- returning members (genindplacerede) have earlier periods; new members (nyindplacerede) have none;
- earlier periods end with a job (mostly) or otherwise; some members come back to benefit within weeks;
- some periods have odd hours (skæve timer) or a permanent attachment while on benefit ("in a job");
- formerly dismissed members (mark O) with a past notice period: some got a job before the notice ended (never
  signed on), the others signed on.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select

from portal.demo.context import SeedContext
from portal.models import Member
from portal.models.statuses import MemberStatus
from portal.services.steering.benefit_history import PeriodRecord

HISTORY_DAYS = 4 * 365 + 1
# Of the members in a job, those who were dismissed and found the job before their notice ended (never signed on).
# Most members in a job came off benefit (portal/demo/foundation.py), so this share is small: the dismissed with a
# job in the notice period stay around the 50 % target (docs/kpi.md).
DISMISSED_GOT_JOB = 0.1
DISMISSED_BEFORE = 0.08  # of the members whose period the member record describes: dismissed before it began
# The extra contact course (focus conversations, webinars, FVU) is a right, not a duty: a few members say no to it.
DECLINES_EXTRA_COURSE = 0.06


def declines_extra_course(ctx: SeedContext, member_id: int) -> bool:
    """Whether the member said no to the extra contact course (the same answer in every step that asks)."""
    return random.Random(ctx.seed * 1_000_003 + member_id).random() < DECLINES_EXTRA_COURSE


@dataclass
class History:
    members: list  # the member rows it was planned from, in id order
    rng: random.Random  # the stream it was drawn from; the outcomes step draws the notice conversations on from it
    periods: list[PeriodRecord] = field(default_factory=list)
    jobs: list[tuple] = field(default_factory=list)  # JOB_COLUMNS of portal/demo/outcomes.py
    dismissed: list[tuple] = field(default_factory=list)  # (member row, notice_end, got_job)
    # Per member with periods: (member id, first period index, end, first job index, end), for the weekly detail.
    slices: list[tuple[int, int, int, int, int]] = field(default_factory=list)


def history_of(session, ctx: SeedContext) -> History:
    """The history, planned on first use and then kept on ctx."""
    if ctx.history is None:
        ctx.history = _plan(session, ctx)
    return ctx.history


def _plan(session, ctx: SeedContext) -> History:
    rng = random.Random(ctx.seed + 9)
    members = session.execute(select(
        Member.id, Member.status, Member.first_unemployment_day, Member.placement, Member.target_group,
        Member.location_id, Member.caseworker_id,
    ).order_by(Member.id)).all()
    history = History(members=members, rng=rng)
    periods, jobs = history.periods, history.jobs
    horizon = ctx.today - timedelta(days=HISTORY_DAYS)
    for m in members:
        first_period, first_job = len(periods), len(jobs)
        if m.id in (ctx.demo_member_id, ctx.dismissed_member_id, ctx.sick_member_id):
            if m.first_unemployment_day:
                periods.append(period(m.id, m.first_unemployment_day, None, None, m.placement))
        else:
            _member_history(ctx, rng, m, horizon, history)
        if len(periods) > first_period:
            history.slices.append((m.id, first_period, len(periods), first_job, len(jobs)))
    return history


def period(member_id, start, end, reason, placement, group=None) -> PeriodRecord:
    return PeriodRecord(member_id=member_id, start_date=start, end_date=end, end_reason=reason,
                        placement=placement, target_group=group)


def job(member_id, start, end, permanent, kind, ctx) -> tuple:
    return (member_id, start, end, permanent, kind, "demo", _naive_utc(ctx.now))


@lru_cache(maxsize=4)
def _naive_utc(moment: datetime) -> datetime:
    """UTCDateTime stores naive UTC; the raw insert of the job starts bypasses its bind processing."""
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


def _member_history(ctx, rng, m, horizon: date, history: History) -> None:
    today = ctx.today
    group = m.target_group
    periods, jobs, dismissed = history.periods, history.jobs, history.dismissed
    # The period the member record describes, if any; earlier history is laid out backwards from it.
    anchor = today
    later_period_start = None
    if m.status == MemberStatus.LEDIG and m.first_unemployment_day:
        if rng.random() < DISMISSED_BEFORE:  # dismissed before, signed on when the notice ended
            dismissed.append((m, m.first_unemployment_day - timedelta(days=1), False))
        _odd_hours(ctx, rng, m.id, m.first_unemployment_day, today, jobs)
        periods.append(period(m.id, m.first_unemployment_day, None, None, m.placement))
        anchor = later_period_start = m.first_unemployment_day
    elif m.status == MemberStatus.I_JOB and m.first_unemployment_day:
        if rng.random() < DISMISSED_GOT_JOB:  # dismissed, found a job before the notice ended: never signed on
            notice_end = today - timedelta(days=rng.randint(20, 700))
            dismissed.append((m, notice_end, True))
            job_start = notice_end + timedelta(days=1 - rng.randint(0, 30))
            jobs.append(job(m.id, job_start, None, rng.random() < 0.5, "employment", ctx))
            anchor = job_start - timedelta(days=rng.randint(200, 900))
            later_period_start = None
        else:
            start = m.first_unemployment_day
            if rng.random() < DISMISSED_BEFORE:  # dismissed before, signed on when the notice ended
                dismissed.append((m, start - timedelta(days=1), False))
            end = min(start + timedelta(days=_duration(rng, group) - 1), today - timedelta(days=1))
            periods.append(period(m.id, start, end, "job", m.placement))
            jobs.append(job(m.id, end + timedelta(days=1), None, rng.random() < 0.42, "employment", ctx))
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
        periods.append(period(m.id, start, end, reason, placement))
        _odd_hours(ctx, rng, m.id, start, end, jobs)
        if reason == "job":
            job_end = None if anchor >= today else anchor - timedelta(days=1)
            jobs.append(job(m.id, end + timedelta(days=1), job_end, rng.random() < 0.4, "employment", ctx))
        anchor = start


def _odd_hours(ctx, rng, member_id: int, start: date, end: date, jobs: list) -> None:
    """Some members are "in a job" while on benefit: odd hours or a permanent part-time attachment."""
    if (end - start).days < 21 or rng.random() >= 0.12:
        return
    begin = start + timedelta(days=rng.randint(7, (end - start).days - 7))
    kind = rng.choice(("odd_hours", "permanent_attachment", "release_certificate"))
    jobs.append(job(member_id, begin, None if end >= ctx.today else end, kind == "permanent_attachment", kind, ctx))
