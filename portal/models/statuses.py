"""Every status code the portal stores, as one enum per column, in one place.

The enums are `StrEnum`s: a member is the very string stored in the database, sent in JSON and compared with a
value read back (`member.status == MemberStatus.LEDIG` is true for the plain string "ledig"), so naming a status
changes no stored value and needs no migration. The models' CHECK constraints are built from these enums through
`codes()`, which keeps the generated SQL exactly as the migrations wrote it. tests/core/test_status_literals.py
fails if a bare status string comes back into the services, views, API, chatbot actions or scheduler.
"""
from __future__ import annotations

from enum import StrEnum


def codes(*members: StrEnum | type[StrEnum]) -> tuple[str, ...]:
    """The plain stored strings of enum members (or of a whole enum), in order: for CHECK constraints and `IN`."""
    values: list[str] = []
    for member in members:
        if isinstance(member, type):
            values.extend(m.value for m in member)
        else:
            values.append(member.value)
    return tuple(values)


class MemberStatus(StrEnum):
    """DOMAIN.md "Who uses the system"."""

    OPSAGT = "opsagt"  # dismissed, still employed in the notice period (mark O)
    LEDIG = "ledig"  # unemployed, on benefit
    SYGEMELDT = "sygemeldt"  # sick-listed
    I_JOB = "i_job"  # back in work


class BookingStatus(StrEnum):
    """A booked conversation with a caseworker (portal/models/booking.py)."""

    BOOKED = "booked"
    HELD = "held"
    NO_SHOW = "no_show"
    CANCELLED_MEMBER = "cancelled_member"
    CANCELLED_FUND = "cancelled_fund"


class SummaryStatus(StrEnum):
    """A conversation summary (samtalereferat)."""

    DRAFT = "draft"
    SENT = "sent"


class VisitationStatus(StrEnum):
    """A referral of a complex case to the job centre (visitation)."""

    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLOSED = "closed"


class JobOrderStatus(StrEnum):
    """A FOA JobMatch job order."""

    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


class ReferralStatus(StrEnum):
    """A member referred to a job order."""

    REFERRED = "referred"
    INTERVIEW = "interview"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ChatState(StrEnum):
    """Who answers a chat conversation: the bot, a caseworker (handed off), or no one (closed)."""

    BOT = "bot"
    HANDED_OFF = "handed_off"
    CLOSED = "closed"


class HandoffStatus(StrEnum):
    """A chat handed to the caseworkers' inbox."""

    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED_TO_BOT = "returned_to_bot"


class OutboxStatus(StrEnum):
    """An outgoing e-mail or SMS (portal/services/messaging/outbox.py, dispatch.py)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


class JobcentreMessageStatus(StrEnum):
    """What the a-kasse sent a job centre: delivered, opened there, decided, or taken back by the a-kasse."""

    SENT = "sent"
    READ = "read"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class JobcentreDecision(StrEnum):
    """A job centre's answer: approved/rejected (a plan item), accepted/counter (a joint-conversation time)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    COUNTER = "counter"  # proposed another time


class DfdgOutboundStatus(StrEnum):
    """An envelope in the DFDG adapter's outbound queue (portal/services/jobcentre/dfdg.py)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


class SessionStatus(StrEnum):
    """A session of an offer."""

    OPEN = "open"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    """A member's registration for an offer session."""

    WAITLISTED = "waitlisted"  # on the waiting list, in order of joining (id)
    OFFERED = "offered"  # a freed seat held for the member until held_until
    REGISTERED = "registered"
    CANCELLED = "cancelled"  # by the member (left the list or cancelled the seat) or by staff
    DECLINED = "declined"  # said no to a held seat
    EXPIRED = "expired"  # did not accept a held seat in time
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class PlanStatus(StrEnum):
    """A Min plan item (portal/models/plan.py explains each)."""

    PROPOSED = "proposed"  # a member's proposal awaiting the caseworker
    AWAITING_JC = "awaiting_jc"  # agreed with the caseworker, awaiting the job centre's approval
    ACTIVE = "active"
    DONE = "done"
    REJECTED = "rejected"  # said no to, by the caseworker or the job centre
    CANCELLED = "cancelled"  # agreed, then dropped; or a request to the job centre withdrawn


class JobRunStatus(StrEnum):
    """One run of a scheduled job."""

    RUNNING = "running"
    OK = "ok"
    ERROR = "error"
    UNAVAILABLE = "unavailable"


class StepStatus(StrEnum):
    """A statutory contact-course step, computed (not stored) by portal/services/booking/contact_course.py."""

    PLANNED = "planned"
    BOOKED = "booked"
    HELD = "held"
    OVERDUE = "overdue"
    NOT_REQUIRED = "not_required"  # a group-2 step for a member not in group 2


# Every enum by its name, for templates (portal/templating.py): `{% if member.status == MemberStatus.LEDIG %}`.
BY_NAME: dict[str, type[StrEnum]] = {enum.__name__: enum for enum in (
    MemberStatus, BookingStatus, SummaryStatus, VisitationStatus, JobOrderStatus, ReferralStatus, ChatState,
    HandoffStatus, OutboxStatus, JobcentreMessageStatus, JobcentreDecision, DfdgOutboundStatus, SessionStatus,
    RegistrationStatus, PlanStatus, JobRunStatus, StepStatus)}
