"""The chat's answer to "when is my next conversation?": the member's next booking and the next statutory step of
the contact course that is not booked yet (portal/services/booking: the rules live there, read here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from portal.models import Booking, Member
from portal.services.booking.booking import member_active_bookings, upcoming_booked
from portal.services.booking.contact_course import Step, statutory_steps


@dataclass(frozen=True)
class NextConversation:
    booking: Booking | None  # the next booked conversation that has not ended
    open_step: Step | None  # the first statutory step still to book (planned or overdue), ledig members only


def next_conversation(session: Session, member: Member, *, now: datetime, today: date) -> NextConversation:
    bookings = member_active_bookings(session, member)
    upcoming = upcoming_booked(bookings, now, limit=1)
    steps = [step for step in statutory_steps(member, bookings, today) if step.open]
    steps.sort(key=lambda step: step.due_date or today)
    return NextConversation(booking=upcoming[0] if upcoming else None, open_step=steps[0] if steps else None)
