"""Demo statutory conversations: in every running or recent benefit period, the conversations of the contact course.

Which steps a period has and when each is due come from portal.services.booking.contact_course (`statutory_steps`, the
rule the caseload, Min side and the KPI use); this module only decides when in each step's window the a-kasse held
it. Most are held on time, a minority late (after the due date) or missed (a no-show, rebooked later). In a running
period nothing is left overdue: a missed or late step is rebooked, as a caseworker following the caseload would
(so the caseload's overdue lists stay short). Conversations in the future exist only once booked (lead time), so a
member early in the course has the next steps still to book.

Slots come from the booking step's calendar (one conversation per caseworker per grid slot, in working hours).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import select

from portal.demo.context import SeedContext
from portal.demo.history import declines_extra_course, history_of
from portal.models import Member
from portal.models.statuses import BookingStatus, MemberStatus, StepStatus
from portal.services.booking.contact_course import statutory_steps

# Periods that began up to this many days ago get their conversations: the KPI's default cohort (first days 13 to 65
# weeks back) with its deadlines, and every running period.
HORIZON_DAYS = 65 * 7 + 14
# 220 caseworkers hold the conversations of about this many periods (the default demo of 5,744 members has ~4,000);
# a bigger seed (a performance test) books these and leaves the rest unbooked, so it stays fast.
MAX_PERIODS = 12_000
# (on time, late) per step; the rest are missed (a no-show), rebooked before the due date where the calendar allows.
ON_TIME_LATE = (0.90, 0.06)
# The focus conversations can be by phone or video, as the member prefers (conversation_types): rarely missed.
ON_TIME_LATE_BY_STEP = {"focus_1": (0.95, 0.015), "focus_2": (0.95, 0.015)}
REBOOK_ENDED = 0.5  # in a period that has ended since, a missed conversation was rebooked this often
# When in the course the a-kasse holds each step's conversation: (first, last) day number, day 1 = the first day of
# unemployment. Every window ends before the step's due day (contact_course.RULES); the joint conversation is
# arranged after 9 weeks (its invitation step).
WINDOWS = {"cv": (2, 12), "contact_course_1": (3, 13), "availability": (36, 60), "contact_course_2": (36, 60),
           "focus_1": (57, 69), "focus_2": (70, 84), "joint": (72, 89)}
JOINT_INVITED = (64, 76)  # days on which the joint conversation is booked (the invitation, due day 77) …
JOINT_INVITED_LATE = (78, 84)  # … or, when it is late, after the invitation's due day
LATE_DAYS = (1, 14)
LEAD_DAYS = (5, 21)  # how long before a conversation it was booked


def seed(session, ctx: SeedContext, rng: random.Random, calendar) -> list[dict]:
    """Booking rows for the statutory conversations of every period in the horizon (slots taken in `calendar`)."""
    members = {row.id: row for row in session.execute(select(
        Member.id, Member.caseworker_id, Member.location_id, Member.target_group, Member.preferred_channel))}
    skip = {ctx.demo_member_id, ctx.dismissed_member_id, ctx.sick_member_id}  # their stories are told elsewhere
    since = ctx.today - timedelta(days=HORIZON_DAYS)
    periods = [p for p in history_of(session, ctx).periods
               if p.member_id not in skip and (p.end_date is None or p.start_date >= since)]
    periods.sort(key=lambda p: p.end_date is not None)  # running periods first (the caseload), then ended ones
    rows: list[dict] = []
    for period in periods[:MAX_PERIODS]:
        member = members[period.member_id]
        caseworker = member.caseworker_id or rng.choice(ctx.caseworkers_by_location[member.location_id])
        course = _Course(ctx, rng, calendar, member, caseworker, period)
        course.plan()
        if period.end_date is None:
            course.catch_up()
        rows += course.rows
    return rows


@lru_cache(maxsize=4096)
def _steps_without_bookings(first_day: date, target_group: str | None, today: date) -> tuple:
    """The rule's steps and due dates for a course with nothing booked yet (many periods share a first day)."""
    member = SimpleNamespace(status=MemberStatus.LEDIG, first_unemployment_day=first_day, target_group=target_group)
    return tuple(statutory_steps(member, [], today))


class _Course:
    """One benefit period's conversations."""

    def __init__(self, ctx: SeedContext, rng: random.Random, calendar, member, caseworker: int, period) -> None:
        self.ctx, self.rng, self.calendar, self.member, self.caseworker = ctx, rng, calendar, member, caseworker
        self.start, self.end = period.start_date, period.end_date
        self.course_member = SimpleNamespace(status=MemberStatus.LEDIG, first_unemployment_day=self.start,
                                             target_group=period.target_group or member.target_group)
        self.rows: list[dict] = []

    def _day(self, number: int) -> date:
        return self.start + timedelta(days=number - 1)

    def _last_day(self) -> date:
        return self.end if self.end is not None else self.ctx.today + timedelta(weeks=8)

    def plan(self) -> None:
        declined = declines_extra_course(self.ctx, self.member.id)  # no focus conversations (in a running
        # period the caseworker books them anyway, see catch_up: the step is the a-kasse's to offer)
        for step in _steps_without_bookings(self.start, self.course_member.target_group, self.ctx.today):
            if (step.status == StepStatus.NOT_REQUIRED or step.key not in WINDOWS
                    or (declined and step.key.startswith("focus"))):
                continue
            first, last = WINDOWS[step.key]
            roll = self.rng.random()
            window = self._days(self._day(first), min(self._day(last), step.due_date))
            on_time, late_share = ON_TIME_LATE_BY_STEP.get(step.key, ON_TIME_LATE)
            if roll < on_time + late_share:
                late = roll >= on_time
                slot = None if late else self.calendar.first_free(self.caseworker, self._shuffled(window))
                if slot is None:  # the caseworker's calendar was full: held after the due date
                    slot = self.calendar.first_free(self.caseworker, self._late_days(step.due_date))
                if slot is not None:
                    self._book(step.key, step.conversation_type, slot, "held", late=late)
                continue
            slot = self.calendar.first_free(self.caseworker, self._shuffled(window))
            if slot is None:
                continue
            missed_at = self.calendar.utc(slot[0], slot[1])
            self._book(step.key, step.conversation_type, slot, "no_show")  # still "booked" if in the future
            if missed_at > self.ctx.now or (self.end is not None and self.rng.random() >= REBOOK_ENDED):
                continue
            # Rebooked after the no-show, before the due date if the calendar allows.
            again = self._days(slot[0] + timedelta(days=2), slot[0] + timedelta(days=2 + LATE_DAYS[1]))
            retry = self.calendar.first_free(self.caseworker, again)
            if retry is not None:
                self._book(step.key, step.conversation_type, retry, "held",
                           created=min(self.ctx.now, missed_at + timedelta(hours=3)))

    def catch_up(self) -> None:
        """In a running period, rebook every step the rule still finds overdue (first free slot from tomorrow)."""
        booked = [SimpleNamespace(id=i, **{k: r[k] for k in ("type", "status", "starts_at", "created_at")})
                  for i, r in enumerate(self.rows)]
        steps = statutory_steps(self.course_member, booked, self.ctx.today)
        overdue = [s for s in steps if s.status == StepStatus.OVERDUE]
        earliest = self.ctx.today + timedelta(days=1)
        for step in overdue:
            if step.key == "joint_invitation" and any(s.key == "joint" for s in overdue):
                continue  # one joint booking is both the invitation and the conversation
            slot = self.calendar.first_free(self.caseworker, self._days(earliest, earliest + timedelta(weeks=3)))
            if slot is not None:
                self._book(step.key, step.conversation_type, slot, "held", created=self.ctx.now - timedelta(hours=2))
                earliest = slot[0] + timedelta(days=2)  # not two conversations on one day

    def _days(self, first: date, last: date) -> list[date]:
        first, last = max(first, self.start), min(last, self._last_day())
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def _shuffled(self, days: list[date]) -> list[date]:
        """The days from a random one on, then the earlier ones: spread over the window, still inside it."""
        if not days:
            return days
        cut = self.rng.randrange(len(days))
        return days[cut:] + days[:cut]

    def _late_days(self, due: date) -> list[date]:
        return self._days(due + timedelta(days=LATE_DAYS[0] + self.rng.randrange(7)),
                          due + timedelta(days=LATE_DAYS[1] + 7))

    def _book(self, step_key: str, type_: str, slot: tuple[date, time, int], status: str,
              created: datetime | None = None, late: bool = False) -> None:
        day, at, location = slot
        starts = self.calendar.utc(day, at)
        if created is None:
            created = self._created(step_key, day, starts, late)
        if created > self.ctx.now:
            return  # not booked yet: the step is still to book (due later)
        if starts > self.ctx.now:
            status = BookingStatus.BOOKED
        self.calendar.take(self.caseworker, day, at)
        channel = self.member.preferred_channel if type_ == "focus" else "in_person"
        self.rows.append(self.calendar.row(self.member.id, self.caseworker, location, type_, channel, starts, status,
                                           created))

    def _created(self, step_key: str, day: date, starts: datetime, late: bool) -> datetime:
        if step_key == "joint":  # the booking is the job centre's invitation: after 9 weeks, by day 77 mostly
            first, last = JOINT_INVITED_LATE if late else JOINT_INVITED
            latest = min(self._day(last), day - timedelta(days=5))
            created_day = self._day(first) + timedelta(days=self.rng.randint(0, max(0, (latest - self._day(first)).days)))
            created = self.calendar.utc(min(created_day, day), time(8, 30)) + timedelta(minutes=self.rng.randint(0, 420))
        else:
            created = starts - timedelta(days=self.rng.randint(*LEAD_DAYS), hours=self.rng.randint(0, 6))
            created = max(created, self.calendar.utc(self.start, time(8, 30)))
        return min(created, starts - timedelta(hours=1))
