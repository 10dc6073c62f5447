"""The statutory contact course (det lovpligtige kontaktforløb): deadlines and which booking satisfies which step.

The one place that answers "when is the availability conversation due?". Pages, the API, the scheduler, the
caseworker caseload and the steering dashboard all call `statutory_steps` / `course_for`. The rules and the day
counting are documented in docs/contact-course.md; DOMAIN.md "The statutory contact course" is the source.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Booking, Member
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.statuses import BookingStatus, MemberStatus, StepStatus, codes
from portal.services.danish_calendar import previous_working_day
from portal.timeutil import to_local


def N_(text: str) -> str:  # marks a string for translation without translating it here (Babel keyword)
    return text


STEP_STATUSES = codes(StepStatus)
DONE_STATUSES = codes(StepStatus.HELD)


@dataclass(frozen=True)
class StepRule:
    key: str
    title: str  # Danish source string; templates show it through _()
    conversation_types: tuple[str, ...]
    due_day: int  # day number in the course; day 1 = the first day of unemployment
    group2_only: bool = False
    opens_day: int | None = None  # the first day the step should be done (None: from day 1)


# DOMAIN.md: within 14 days CV + contact-course conversation; within 9 weeks availability + contact-course
# conversation; within 13 weeks the joint conversation; group 2 has a right to two focus conversations (Bilag 2 places
# them between week 9 and the joint conversation). The application (section 4.2) proposes that job centre and member
# are invited to the joint conversation *after* 9 weeks of unemployment "so that it can be on time": the invitation
# opens on day 64 and is due by day 77, two weeks before the 13-week deadline, which leaves the job centre its week
# to answer (PORTAL_JOBCENTRE_ANSWER_DAYS) and a week to agree another time (docs/contact-course.md).
JOINT_INVITATION_OPENS_DAY = 9 * 7 + 1
JOINT_INVITATION_DUE_DAY = 11 * 7
RULES: tuple[StepRule, ...] = (
    StepRule("cv", N_("CV-samtale"), ("cv",), 14),
    StepRule("contact_course_1", N_("Kontaktforløbssamtale"), ("contact_course",), 14),
    StepRule("availability", N_("Rådighedssamtale"), ("availability",), 9 * 7),
    StepRule("contact_course_2", N_("Kontaktforløbssamtale"), ("contact_course",), 9 * 7),
    StepRule("joint_invitation", N_("Invitation til fællessamtale"), ("joint",), JOINT_INVITATION_DUE_DAY,
             opens_day=JOINT_INVITATION_OPENS_DAY),
    StepRule("joint", N_("Fællessamtale med jobcentret"), ("joint",), 13 * 7),
    StepRule("focus_1", N_("1. fokussamtale"), ("focus",), 13 * 7, group2_only=True),
    StepRule("focus_2", N_("2. fokussamtale"), ("focus",), 13 * 7, group2_only=True),
)
STEP_KEYS = tuple(rule.key for rule in RULES)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    conversation_types: tuple[str, ...]
    due_date: date | None
    status: str  # planned / booked / held / overdue / not_required
    booking_id: int | None = None
    held_at: datetime | None = None  # when the satisfying conversation was held
    booked_for: datetime | None = None  # when the satisfying conversation starts (booked or held)
    late: bool = False  # satisfied by a conversation after the due date
    opens_on: date | None = None  # not to be done before this day (the joint invitation: after 9 weeks)

    @property
    def conversation_type(self) -> str:
        """The booking type to book for this step (the booking page's `type` parameter)."""
        return self.conversation_types[0]

    @property
    def open(self) -> bool:
        """Still needs a booking: planned or overdue."""
        return self.status in (StepStatus.PLANNED, StepStatus.OVERDUE)


def course_start(member) -> date | None:
    """Day 1 of the current course, or None when the member has no statutory course (not ledig)."""
    if getattr(member, "status", None) != MemberStatus.LEDIG or member.first_unemployment_day is None:
        return None
    return member.first_unemployment_day


def due_date_for(first_day: date, due_day: int) -> date:
    """Day `due_day` counted with the first day of unemployment as day 1; a closed day moves to the working day
    before it, so the conversation can be held in time (docs/contact-course.md)."""
    return previous_working_day(first_day + timedelta(days=due_day - 1))


def weeks_unemployed(member, today: date) -> int | None:
    """Completed weeks since the first day of unemployment (0 in the first week); None if not ledig."""
    start = course_start(member)
    if start is None:
        return None
    return max(0, (today - start).days // 7)


def _local_day(moment: datetime) -> date:
    return to_local(moment).date()


@lru_cache(maxsize=4096)
def _planned_steps(start: date, group2: bool) -> tuple[Step, ...]:
    """Every step of a course starting on `start` before any booking: planned (focus steps `not_required` outside
    group 2), with its due date. Cached: the steps are frozen and depend on nothing else, and counting working days
    for eight due dates is most of the rule's work for a member with few bookings."""
    steps = []
    for rule in RULES:
        status = StepStatus.NOT_REQUIRED if rule.group2_only and not group2 else StepStatus.PLANNED
        opens_on = start + timedelta(days=rule.opens_day - 1) if rule.opens_day else None
        steps.append(Step(rule.key, rule.title, rule.conversation_types, due_date_for(start, rule.due_day), status,
                          opens_on=opens_on))
    return tuple(steps)


def _in_group2(member) -> bool:
    return (member.target_group or "").startswith("2")


def statutory_steps(member, bookings: Iterable, today: date) -> list[Step]:
    """The member's statutory steps with due dates and status. Pure: no database access.

    Opsagt, sygemeldt and members in a job have no statutory steps (empty list). Each active booking in the current
    course (on/after the first day of unemployment), earliest first, satisfies the open step of its type whose due
    date is the first on/after the booking's day; if all such steps are already past due, the latest open one
    (late). Focus steps are `not_required` unless the member is in target group 2 (2a/2b).
    """
    start = course_start(member)
    if start is None:
        return []
    steps = {step.key: step for step in _planned_steps(start, _in_group2(member))}
    # Each booking's local day once (converting to Copenhagen time is the costly part of reading a booking).
    in_course = [(booking, day) for booking in bookings if booking.status in ACTIVE_BOOKING_STATUSES
                 and (day := _local_day(booking.starts_at)) >= start]
    in_course.sort(key=lambda pair: (pair[0].starts_at, pair[0].id or 0))
    first_joint = None
    for booking, day in in_course:
        if booking.type == "joint" and first_joint is None:
            first_joint = booking
        key = _step_for_booking(steps, booking.type, day)
        if key is not None:
            steps[key] = _satisfied(steps[key], booking, day)
    if first_joint is not None and steps["joint_invitation"].status == StepStatus.PLANNED:
        # Booking the joint conversation is the invitation of the job centre and the member.
        steps["joint_invitation"] = _invited(steps["joint_invitation"], first_joint)
    return [_with_overdue(step, today) for step in steps.values()]


def open_step(member, key: str, today: date) -> Step | None:
    """Step `key` of the member's course as `statutory_steps` gives it while no booking satisfies it: planned, or
    overdue after its due date. None if the member has no such step to take (no course, an unknown key, a focus
    step outside group 2). For a stored next step read back without the member's bookings (the caseload)."""
    start = course_start(member)
    if start is None or key not in RULES_BY_KEY:
        return None
    step = _planned_steps(start, _in_group2(member))[STEP_KEYS.index(key)]
    return _with_overdue(step, today) if step.status == StepStatus.PLANNED else None


def _step_for_booking(steps: dict[str, Step], booking_type: str, day: date) -> str | None:
    candidates = [s for s in steps.values()
                  if booking_type in s.conversation_types and s.key != "joint_invitation"
                  and s.status == StepStatus.PLANNED]
    if not candidates:
        return None
    upcoming = [s for s in candidates if s.due_date >= day]
    if upcoming:
        return min(upcoming, key=lambda s: s.due_date).key
    return max(candidates, key=lambda s: s.due_date).key


def _satisfied(step: Step, booking, day: date) -> Step:
    held = booking.status == BookingStatus.HELD
    return replace(step, status=StepStatus.HELD if held else StepStatus.BOOKED, booking_id=booking.id,
                   held_at=booking.starts_at if held else None, booked_for=booking.starts_at,
                   late=day > step.due_date)


def _invited(step: Step, booking) -> Step:
    """The invitation is done when the joint conversation is booked; on time if booked by the due date (booked
    before the invitation opens is early, not late: the conversation is arranged)."""
    sent = getattr(booking, "created_at", None) or booking.starts_at
    return replace(step, status=StepStatus.HELD, booking_id=booking.id, held_at=sent, booked_for=booking.starts_at,
                   late=_local_day(sent) > step.due_date)


def _with_overdue(step: Step, today: date) -> Step:
    if step.status == StepStatus.PLANNED and step.due_date is not None and today > step.due_date:
        return replace(step, status=StepStatus.OVERDUE)
    return step


def course_for(session: Session, member: Member, today: date, *, bookings: list[Booking] | None = None
               ) -> list[Step]:
    """`statutory_steps` with the member's bookings loaded from the database, or from `bookings` when the caller has
    already read all of the member's bookings (any status: the cancelled ones are left out here)."""
    start = course_start(member)
    if start is None:
        return []
    if bookings is None:
        bookings = session.scalars(
            select(Booking).where(Booking.member_id == member.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        ).all()
    else:
        bookings = [b for b in bookings if b.status in ACTIVE_BOOKING_STATUSES]
    return statutory_steps(member, bookings, today)


CASEWORKER_BOOKED_STEPS = ("joint_invitation", "joint")  # the member cannot book these themselves


def member_next_step(steps: list[Step]) -> Step | None:
    """The step the member can act on (Min side): the next step they book themselves, else the next step at all."""
    return next_step([s for s in steps if s.key not in CASEWORKER_BOOKED_STEPS]) or next_step(steps)


def next_step(steps: list[Step]) -> Step | None:
    """The step to act on next: the open step with the earliest due date (overdue first), else None. A step that
    has not opened yet (the joint invitation before week 10) can be next: it says from when."""
    open_steps = [s for s in steps if s.open]
    if not open_steps:
        return None
    return min(open_steps, key=lambda s: (s.status != StepStatus.OVERDUE, s.due_date, STEP_KEYS.index(s.key)))
