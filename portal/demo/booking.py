"""Demo data for conversations: working hours for every caseworker, some absence, the statutory conversations of
every running or recent benefit period (portal/demo/statutory.py, by the contact-course rule), the demo member
'medlem' with 'sagsbehandler', and follow-up conversations filling the calendars 8 weeks back and 4 ahead (held /
no-show / cancelled; booked). One conversation per caseworker per grid slot, inside working hours and outside
absence. Bulk inserts; deterministic from the seed and ctx.today."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo import statutory
from portal.demo.context import SeedContext, bulk_insert, fast_insert
from portal.models import Booking, Member
from portal.models.booking import AvailabilityException, WorkingHours
from portal.models.statuses import BookingStatus, MemberStatus
from portal.services.danish_calendar import is_working_day, next_working_day
from portal.timeutil import LOCAL_TZ

WEEKS_BACK, WEEKS_AHEAD = 8, 4
# Monday–Thursday 09:00–12:30 and 13:00–15:30, Friday 09:00–12:45 (local time).
DAY_BLOCKS = {d: [(time(9), time(12, 30)), (time(13), time(15, 30))] for d in range(4)}
DAY_BLOCKS[4] = [(time(9), time(12, 45))]
# Conversation starts used by the demo (every type fits before the next start with a 15-minute buffer).
GRID = {d: [time(9), time(10, 15), time(11, 30), time(13), time(14, 15)] for d in range(4)}
GRID[4] = [time(9), time(10, 15), time(11, 30)]
LENGTH = {"cv": 60, "contact_course": 45, "availability": 45, "joint": 60, "focus": 45, "followup_phone": 30,
          "followup_video": 30}
BATCH = 10_000


@lru_cache(maxsize=8192)  # the statutory conversations look up the same grid times many times
def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


def seed(session: Session, ctx: SeedContext) -> None:
    rng = random.Random(ctx.seed * 31 + 4)  # own stream: adding areas before us does not change our data
    part_time = _working_hours(session, ctx, rng)
    absent = _absence(session, ctx, rng)
    taken = _demo_member_bookings(session, ctx)
    demo_bookings = len(taken)
    calendar = _Calendar(ctx, random.Random(ctx.seed * 31 + 5), part_time, absent, taken)
    statutory_rows = statutory.seed(session, ctx, random.Random(ctx.seed * 31 + 6), calendar)
    for start in range(0, len(statutory_rows), BATCH):
        fast_insert(session, Booking.__table__, statutory_rows[start:start + BATCH])
    count = _bulk_bookings(session, ctx, rng, part_time, taken, absent)
    ctx.summary.update(working_hours=session.scalar(select(WorkingHours.id).order_by(WorkingHours.id.desc())
                                                    .limit(1)) or 0, bookings=count + demo_bookings + len(statutory_rows),
                       statutory_conversations=len(statutory_rows))


def _working_hours(session: Session, ctx: SeedContext, rng: random.Random) -> dict[int, int]:
    """Everyone full time at their own location; 15 % have one weekday off. 'sagsbehandler' also sits one day
    a week in a neighbouring location (Middelfart), so members there can book her too."""
    location_of = {cw: loc for loc, cws in ctx.caseworkers_by_location.items() for cw in cws}
    day_off: dict[int, int] = {}
    rows = []
    for cw in ctx.caseworker_ids:
        off = rng.randrange(5) if rng.random() < 0.15 and cw != ctx.demo_caseworker_id else None
        if off is not None:
            day_off[cw] = off
        for weekday, blocks in DAY_BLOCKS.items():
            if weekday == off:
                continue
            loc = location_of[cw]
            if cw == ctx.demo_caseworker_id and weekday == 4 and "Middelfart" in ctx.location_ids:
                loc = ctx.location_ids["Middelfart"]
            rows += [{"caseworker_id": cw, "location_id": loc, "weekday": weekday, "start_time": s, "end_time": e}
                     for s, e in blocks]
    session.execute(bulk_insert(WorkingHours), rows)
    return day_off


def _absence(session: Session, ctx: SeedContext, rng: random.Random) -> set[tuple[int, date]]:
    """A week's holiday ahead for about one in ten caseworkers; returns the (caseworker, day)s away."""
    rows = []
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    for cw in ctx.caseworker_ids:
        if cw == ctx.demo_caseworker_id or rng.random() >= 0.1:
            continue
        start = monday + timedelta(weeks=rng.randint(1, WEEKS_AHEAD + 2))
        rows += [{"caseworker_id": cw, "day": start + timedelta(days=d), "kind": "absence", "start_time": None,
                  "end_time": None, "location_id": None, "note": "Ferie", "created_at": ctx.now,
                  "created_by_user_id": None} for d in range(5)]
    if rows:
        session.execute(bulk_insert(AvailabilityException), rows)
    return {(r["caseworker_id"], r["day"]) for r in rows}


class _Calendar:
    """The caseworkers' free grid slots: working days, their own working weekdays and location, no absence, and
    one conversation per slot (`taken`: (caseworker, start in UTC), shared with the other bookings)."""

    def __init__(self, ctx: SeedContext, rng: random.Random, day_off: dict[int, int],
                 absent: set[tuple[int, date]], taken: set[tuple[int, datetime]]) -> None:
        self.ctx, self.rng, self.day_off, self.absent, self.taken = ctx, rng, day_off, absent, taken
        self.location_of = {cw: loc for loc, cws in ctx.caseworkers_by_location.items() for cw in cws}
        self.uid = 0
        self.full: set[tuple[int, date]] = set()  # days found without a free slot
        if ctx.demo_caseworker_id and "Middelfart" in ctx.location_ids:  # her Fridays (_working_hours)
            self.friday_location = {ctx.demo_caseworker_id: ctx.location_ids["Middelfart"]}
        else:
            self.friday_location = {}

    utc = staticmethod(_utc)

    def first_free(self, cw: int, days: list[date]) -> tuple[date, time, int] | None:
        """The first of `days` with a free slot for the caseworker, at a random free time: (day, time, location)."""
        for day in days:
            weekday = day.weekday()
            if weekday not in GRID or self.day_off.get(cw) == weekday or (cw, day) in self.absent \
                    or (cw, day) in self.full or not is_working_day(day):
                continue
            free = [at for at in GRID[weekday] if (cw, _utc(day, at)) not in self.taken]
            if free:
                location = self.friday_location.get(cw) if weekday == 4 else None
                return day, self.rng.choice(free), location or self.location_of[cw]
            self.full.add((cw, day))
        return None

    def take(self, cw: int, day: date, at: time) -> None:
        self.taken.add((cw, _utc(day, at)))

    def row(self, member_id: int, cw: int, location: int, type_: str, channel: str, starts: datetime, status: str,
            created: datetime) -> dict:
        self.uid += 1
        row = _row(0, member_id, cw, location, type_, channel, starts, status, self.ctx)
        updated = starts + timedelta(hours=2) if status in (BookingStatus.HELD, BookingStatus.NO_SHOW) else created
        row.update(uid=f"booking-demo-{self.ctx.seed}-s{self.uid}@portal.foa.dk", created_at=created,
                   updated_at=updated,
                   meeting_link=f"https://video.foa.dk/samtale/demo-s{self.uid}" if channel == "video" else None)
        return row


def _row(n: int, member_id: int, cw: int, loc: int, type_: str, channel: str, starts: datetime, status: str,
         ctx: SeedContext, **extra) -> dict:
    created = min(ctx.now, starts - timedelta(days=3 + n % 11))
    return {
        "uid": f"booking-demo-{ctx.seed}-{n}@portal.foa.dk", "member_id": member_id, "caseworker_id": cw,
        "location_id": loc, "type": type_, "channel": channel, "starts_at": starts,
        "ends_at": starts + timedelta(minutes=LENGTH[type_]), "status": status, "sequence": 0,
        "meeting_link": f"https://video.foa.dk/samtale/demo{n}" if channel == "video" else None,
        "with_jobcenter": type_ == "joint", "booked_by_user_id": None, "cancel_reason": extra.get("reason"),
        "created_at": created, "updated_at": created, "member_note": extra.get("note"),
        "outcome_registered_at": (starts + timedelta(hours=2)
                                  if status in (BookingStatus.HELD, BookingStatus.NO_SHOW) else None),
    }


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _demo_member_bookings(session: Session, ctx: SeedContext) -> set[tuple[int, datetime]]:
    """'medlem' (5 weeks unemployed, group 2a): CV and contact-course conversation held in week 1, the
    availability conversation booked next week, one focus conversation by video after that, and one
    follow-up today (so the caseworker's day view and 'Samtaler i dag' are not empty)."""
    member, cw = ctx.demo_member_id, ctx.demo_caseworker_id
    if member is None or cw is None:
        return set()
    loc = ctx.location_ids["Odense"]
    first_day = ctx.today - timedelta(weeks=5)
    week1_tue = next_working_day(_next_weekday(first_day + timedelta(days=1), 1))
    week1_wed = next_working_day(week1_tue + timedelta(days=1))
    next_tue = next_working_day(_next_weekday(ctx.today + timedelta(days=1), 1))
    plan = [
        ("cv", "in_person", _utc(week1_tue, time(10, 15)), "held", {}),
        ("contact_course", "in_person", _utc(week1_wed, time(9)), "held", {}),
        ("availability", "in_person", _utc(next_tue, time(10, 15)), "booked",
         {"note": "Jeg vil gerne tale om at søge job i hjemmeplejen uden for Odense."}),
        ("focus", "video", _utc(next_tue + timedelta(days=8), time(13)), "booked", {}),
    ]
    if ctx.today.weekday() < 4 and is_working_day(ctx.today):
        plan.append(("followup_phone", "phone", _utc(ctx.today, time(14, 15)), "booked", {}))
    rows = [_row(i, member, cw, loc, t, c, s, st, ctx, **x) for i, (t, c, s, st, x) in enumerate(plan)]
    session.execute(bulk_insert(Booking), rows)
    return {(cw, r["starts_at"]) for r in rows}


def _members_by_caseworker(session: Session) -> dict[int, list[tuple]]:
    result: dict[int, list[tuple]] = defaultdict(list)
    for row in session.execute(select(Member.id, Member.caseworker_id, Member.target_group, Member.status,
                                      Member.first_unemployment_day, Member.preferred_channel)
                               .where(Member.caseworker_id.is_not(None), Member.status != MemberStatus.OPSAGT)):
        result[row.caseworker_id].append(tuple(row))
    return result


def _pick_type(rng: random.Random) -> tuple[str, str]:
    """A follow-up between the statutory conversations (those are portal/demo/statutory.py's, by the rule: a
    random CV or availability conversation here would satisfy or spoil a step)."""
    return ("followup_phone", "phone") if rng.random() < 0.65 else ("followup_video", "video")


def _bulk_bookings(session: Session, ctx: SeedContext, rng: random.Random, day_off: dict[int, int],
                   taken: set, absent: set[tuple[int, date]]) -> int:
    # 'medlem' has exactly the plan of _demo_member_bookings, 'sygemeldt' her round table (sick_listed.py); filler
    # bookings must not pile onto them.
    members = {cw: [m for m in pool if m[0] not in (ctx.demo_member_id, ctx.sick_member_id)]
               for cw, pool in _members_by_caseworker(session).items()}
    location_of = {cw: loc for loc, cws in ctx.caseworkers_by_location.items() for cw in cws}
    hours_location = {}
    if ctx.demo_caseworker_id and "Middelfart" in ctx.location_ids:
        hours_location[(ctx.demo_caseworker_id, 4)] = ctx.location_ids["Middelfart"]
    first = ctx.today - timedelta(weeks=WEEKS_BACK)
    last = ctx.today + timedelta(weeks=WEEKS_AHEAD)
    now = ctx.now
    rows: list[dict] = []
    n = 1000
    count = 0
    day = first
    while day <= last:
        weekday = day.weekday()
        if is_working_day(day):  # no conversations at weekends, on public holidays or closing days
            ahead_weeks = (day - ctx.today).days / 7
            # The statutory conversations (statutory.py) fill part of the calendar; follow-ups some of the rest.
            density = 0.42 if ahead_weeks < 0 else max(0.12, 0.47 - 0.1 * ahead_weeks)
            for cw in ctx.caseworker_ids:
                pool = members.get(cw)
                if not pool or day_off.get(cw) == weekday or (cw, day) in absent:
                    continue
                loc = hours_location.get((cw, weekday), location_of[cw])
                for at in GRID[weekday]:
                    starts = _utc(day, at)
                    if (cw, starts) in taken or rng.random() >= density:
                        continue
                    taken.add((cw, starts))
                    member = rng.choice(pool)
                    type_, channel = _pick_type(rng)
                    if starts < now:
                        status = rng.choices(["held", "no_show", "cancelled_member", "cancelled_fund"],
                                             [85, 7, 5, 3])[0]
                    else:
                        status = BookingStatus.BOOKED if rng.random() < 0.95 else BookingStatus.CANCELLED_MEMBER
                    reason = "Sagsbehandler syg" if status == BookingStatus.CANCELLED_FUND else None
                    rows.append(_row(n, member[0], cw, loc, type_, channel, starts, status, ctx, reason=reason))
                    n += 1
                    if len(rows) >= BATCH:
                        fast_insert(session, Booking.__table__, rows)
                        count += len(rows)
                        rows = []
        day += timedelta(days=1)
    if rows:
        fast_insert(session, Booking.__table__, rows)
        count += len(rows)
    return count
