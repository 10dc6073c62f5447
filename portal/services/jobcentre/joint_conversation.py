"""The joint conversation (fællessamtale) through the job-centre exchange (issue 16).

DOMAIN.md: within 13 weeks the joint conversation with the job centre; job centre and member are invited after 9
weeks so it is on time; it is held at the a-kasse unless the job centre wishes otherwise. Booking it (a 'joint'
booking, portal.services.booking.booking) proposes its time to the member's job centre; the job centre accepts, or
proposes another time inside the 13-week deadline, and the caseworker is told. Moving or cancelling the booking
withdraws an unanswered invitation (a moved one is proposed again).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from portal.i18n import N_, format_local_datetime
from portal.models import Booking, Member, User
from portal.models.jobcentre import JobcentreMessage
from portal.models.statuses import BookingStatus, JobcentreDecision, JobcentreMessageStatus
from portal.services import audit
from portal.services.actors import SystemActor
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre.jobcentre import (
    DECISION_LABELS,
    OPEN_STATUSES,
    JobcentreScope,
    claim,
    clean_reason,
    get_message,
    send,
)
from portal.services.messaging import notifications
from portal.services.minside_i18n import _
from portal.timeutil import local_to_utc


def joint_deadline(member):
    """The last day the joint conversation is on time: 13 weeks from the first day of unemployment (DOMAIN.md)."""
    from portal.services.booking.contact_course import RULES_BY_KEY, course_start, due_date_for

    start = course_start(member)
    return due_date_for(start, RULES_BY_KEY["joint"].due_day) if start else None


def booking_changed(session: Session, booking, kind: str, *, subject: str, body: str, now: datetime
                          ) -> JobcentreMessage | None:
    """A joint conversation was booked, moved or cancelled (portal.services.booking.booking): an earlier invitation the job
    centre has not answered is withdrawn, and a booked or moved time is proposed to the member's job centre.
    Other conversations with the job centre (a sick-listed member's round table, held by the job centre) are not
    invitations for it to answer."""
    if booking.type != "joint":
        return None
    for earlier in session.scalars(select(JobcentreMessage).where(
            JobcentreMessage.booking_id == booking.id, JobcentreMessage.status.in_(OPEN_STATUSES))):
        earlier.status, earlier.updated_at = JobcentreMessageStatus.WITHDRAWN, now
    if kind == "cancelled":
        return None
    return send(session, booking.member, kind="joint_invitation", key=f"joint:{booking.id}:{booking.sequence}",
                subject=subject, body=body, now=now, booking_id=booking.id)


def conversation_over(session: Session, booking, actor, now: datetime) -> None:
    """The joint conversation's outcome is registered (held, no-show, cancelled after its start): an invitation the
    job centre never answered has nothing left to answer, so it is withdrawn — not escalated a week later, and not
    'awaiting the job centre' on the caseload."""
    if booking.type != "joint":
        return
    for message in session.scalars(select(JobcentreMessage).where(
            JobcentreMessage.booking_id == booking.id, JobcentreMessage.status.in_(OPEN_STATUSES))):
        message.status, message.updated_at = "withdrawn", now
        audit.record(session, actor, "jobcentre.withdrawn", member_id=message.member_id, target=message,
                     now=now, detail={"outcome": booking.status})


def latest_invitation(session: Session, booking) -> JobcentreMessage | None:
    """The newest invitation of a joint booking to the job centre, with its state and answer (the caseworker's
    booking page: has the job centre accepted, or which time does it propose?)."""
    if booking.type != "joint":
        return None
    return session.scalar(select(JobcentreMessage).where(JobcentreMessage.booking_id == booking.id,
                                                         JobcentreMessage.kind == "joint_invitation")
                          .order_by(JobcentreMessage.id.desc()).limit(1))


def counter_proposal(invitation: JobcentreMessage | None) -> datetime | None:
    """The other time (UTC) the job centre proposed in answer to `invitation`, if that was its answer."""
    if invitation is None or invitation.decision != JobcentreDecision.COUNTER:
        return None
    return invitation.counter_time


def parse_counter_time(text: str | None) -> datetime | None:
    """The time a job centre proposes, as typed (Copenhagen wall clock, "2026-03-20 10:00"), in UTC; None if
    nothing was typed, ValidationFailed if it is not a date and time."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return local_to_utc(datetime.fromisoformat(text).replace(tzinfo=None))
    except ValueError:
        raise ValidationFailed(_("Skriv tidspunktet som dato og klokkeslæt, fx 2026-03-20 10:00."),
                               field="counter_time") from None


def answer_as_typed(session: Session, scope: JobcentreScope, message_id: int, *, accept: bool,
                    counter_text: str | None, reason: str | None, now: datetime) -> JobcentreMessage:
    """`answer` with the proposed time as the job centre typed it (read only when it proposes another time)."""
    counter_time = None if accept else parse_counter_time(counter_text)
    return answer(session, scope, message_id, accept=accept, counter_time=counter_time, reason=reason, now=now)


def answer(session: Session, scope: JobcentreScope, message_id: int, *, accept: bool,
                 counter_time: datetime | None, reason: str | None, now: datetime) -> JobcentreMessage:
    """The job centre accepts the proposed time, or proposes another inside the 13-week deadline. Refused, with
    nothing changed, if it was answered already or the a-kasse has moved or cancelled the conversation since."""
    from portal.timeutil import to_local

    message = get_message(session, scope, message_id)
    if message.kind != "joint_invitation" or message.booking_id is None:
        raise ValidationFailed(_("Sagen er ikke en invitation til fællessamtale."))
    booking = session.get(Booking, message.booking_id)
    if message.status == JobcentreMessageStatus.WITHDRAWN or booking is None or booking.status != BookingStatus.BOOKED:
        raise Conflict(_("A-kassen har flyttet eller aflyst fællessamtalen siden. Se den nyeste invitation. "
                         "Intet er ændret."))
    if message.status == JobcentreMessageStatus.ANSWERED:
        raise Conflict(_("Invitationen er allerede besvaret (%(decision)s). Intet er ændret.",
                         decision=_(DECISION_LABELS[message.decision or JobcentreDecision.ACCEPTED]).lower()))
    reason = clean_reason(reason, required=False)
    member = message.member
    if not accept:
        deadline = joint_deadline(member)
        if counter_time is None:
            raise ValidationFailed(_("Angiv det tidspunkt, jobcentret foreslår."), field="counter_time")
        if counter_time <= now:
            raise ValidationFailed(_("Det foreslåede tidspunkt skal ligge i fremtiden."), field="counter_time")
        if deadline is not None and to_local(counter_time).date() > deadline:
            raise ValidationFailed(_("Fællessamtalen skal holdes senest %(day)s (13 uger). Foreslå et tidligere "
                                     "tidspunkt.", day=deadline.strftime("%d.%m.%Y")), field="counter_time")
    if not claim(session, message, now):
        raise Conflict(_("Invitationen er allerede besvaret. Intet er ændret."))
    decision = JobcentreDecision.ACCEPTED if accept else JobcentreDecision.COUNTER
    message.status, message.decision = JobcentreMessageStatus.ANSWERED, decision
    message.counter_time, message.decision_reason = (None if accept else counter_time), reason
    message.decided_by_user_id, message.decided_at, message.updated_at = scope.user.id, now, now
    message.read_at = message.read_at or now
    audit.record(session, scope.user, "jobcentre.joint_accepted" if accept else "jobcentre.joint_counter",
                 member_id=member.id, target=message, now=now,
                 detail={"booking": booking.id, "counter_time": counter_time.isoformat() if counter_time else None})
    if member.caseworker is not None:
        text = (N_("%(centre)s deltager i fællessamtalen med %(name)s %(when)s.") if accept else
                N_("%(centre)s foreslår fællessamtalen med %(name)s flyttet til %(when)s. Flyt samtalen, hvis "
                   "tidspunktet passer medlemmet."))
        notifications.notify_in_language(session, member.caseworker.user, text, centre=scope.name,
                                         name=member.full_name, when=_when(booking.starts_at if accept else counter_time),
                                         link=f"/kalender/samtale/{booking.id}", now=now)
    return message


def _when(moment: datetime) -> LazyString:
    """'24.03.2027 kl. 10.00' / '24.03.2027 at 10:00', in the language of the notification it is written into."""
    return LazyString(format_local_datetime, moment, "dd.MM.y 'kl.' HH:mm")


@dataclass(frozen=True)
class UpcomingConversation:
    """A booked conversation the job centre takes part in, on its calendar."""

    booking: Booking
    message: JobcentreMessage | None = None  # a joint conversation's accepted invitation; None for a round table

    @property
    def booking_id(self) -> int:
        return self.booking.id

    @property
    def member(self) -> Member:
        return self.booking.member

    @property
    def type_label(self):
        from portal.services.booking.conversation_types import TYPES

        return TYPES[self.booking.type].label


def upcoming(session: Session, scope: JobcentreScope, now: datetime, *, member: Member | None = None
             ) -> list[UpcomingConversation]:
    """The job centre's calendar (of one citizen, with `member`): conversations with it that have not started,
    soonest first. A joint conversation is there once the job centre has accepted its time (until then it is an
    invitation in the inbox); the others held with the job centre (a sick-listed member's round table,
    `with_jobcenter`) from the moment they are booked for one of its citizens, as the job centre was invited then
    (portal.services.booking.booking._tell)."""
    joint = (select(JobcentreMessage).join(Booking, Booking.id == JobcentreMessage.booking_id)
             .where(JobcentreMessage.jobcentre_code == scope.jobcentre_code,
                    JobcentreMessage.decision == JobcentreDecision.ACCEPTED,
                    Booking.status == BookingStatus.BOOKED, Booking.starts_at > now)
             .options(joinedload(JobcentreMessage.booking).joinedload(Booking.member),
                      joinedload(JobcentreMessage.booking).joinedload(Booking.location)))
    others = (select(Booking).join(Member, Member.id == Booking.member_id)
              .where(Booking.with_jobcenter.is_(True), Booking.type != "joint",
                     Booking.status == BookingStatus.BOOKED, Booking.starts_at > now,
                     Member.municipality_code.in_(scope.municipality_codes))
              .options(contains_eager(Booking.member), joinedload(Booking.location)))
    if member is not None:
        joint = joint.where(JobcentreMessage.member_id == member.id)
        others = others.where(Booking.member_id == member.id)
    found = [UpcomingConversation(m.booking, m) for m in session.scalars(joint)]
    found += [UpcomingConversation(b) for b in session.scalars(others)]
    return sorted(found, key=lambda c: (c.booking.starts_at, c.booking.id))


def invitation_prompt(session: Session, member, today) -> dict | None:
    """After 9 weeks of unemployment until the joint conversation is booked (or held): what the caseworker is
    prompted with on the conversation screen — invite by, the conversation's deadline and whether it has passed.
    None when there is nothing to invite to."""
    from portal.models.booking import ACTIVE_BOOKING_STATUSES
    from portal.services.booking.contact_course import RULES_BY_KEY, due_date_for, weeks_unemployed
    from portal.services.booking.deadlines import JOINT_INVITATION_WEEK
    from portal.timeutil import local_to_utc

    weeks = weeks_unemployed(member, today)
    if weeks is None or weeks < JOINT_INVITATION_WEEK:
        return None
    start = local_to_utc(datetime.combine(member.first_unemployment_day, datetime.min.time()))
    booked = session.scalar(select(Booking.id).where(Booking.member_id == member.id, Booking.type == "joint",
                                                     Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                                                     Booking.starts_at >= start).limit(1))
    if booked is not None:
        return None
    deadline = joint_deadline(member)
    invite_by = due_date_for(member.first_unemployment_day, RULES_BY_KEY["joint_invitation"].due_day)
    return {"weeks": weeks, "deadline": deadline, "invite_by": invite_by,
            "overdue": deadline is not None and today > deadline}


def remind(session: Session, now: datetime, *, hours: int = 24) -> int:
    """The reminder of a joint conversation the job centre accepted, `hours` before it starts, once, to the job
    centre's users and the caseworker (the member's comes from the booking reminders). Returns how many."""
    from datetime import timedelta

    from portal.models import AuditEntry
    from portal.models.jobcentre import JobcentreStaff
    from portal.services.jobcentre import municipalities

    due = session.execute(
        select(JobcentreMessage, Booking).join(Booking, Booking.id == JobcentreMessage.booking_id)
        .where(JobcentreMessage.kind == "joint_invitation", JobcentreMessage.decision == JobcentreDecision.ACCEPTED,
               Booking.status == BookingStatus.BOOKED, Booking.starts_at > now,
               Booking.starts_at <= now + timedelta(hours=hours))
    ).all()
    reminded = 0
    for message, booking in due:
        done = session.scalar(select(AuditEntry.id).where(AuditEntry.action == "jobcentre.joint_reminded",
                                                          AuditEntry.target_type == "JobcentreMessage",
                                                          AuditEntry.target_id == str(message.id)).limit(1))
        if done:
            continue
        when, name = _when(booking.starts_at), message.member.full_name
        staff = session.scalars(select(User).join(JobcentreStaff, JobcentreStaff.user_id == User.id).where(
            JobcentreStaff.jobcentre_code == message.jobcentre_code)).all()
        for user in staff:
            notifications.notify_in_language(
                session, user, N_("Påmindelse: fællessamtale med %(name)s %(when)s, %(place)s."), name=name,
                when=when, place=booking.location.name, link=f"/jobcenter/sag/{message.id}", now=now)
        if booking.caseworker is not None:
            notifications.notify_in_language(
                session, booking.caseworker.user, N_("Påmindelse: fællessamtale med %(name)s og %(centre)s %(when)s."),
                name=name, centre=municipalities.jobcentre_name(message.jobcentre_code), when=when,
                link=f"/kalender/samtale/{booking.id}", now=now)
        audit.record(session, SystemActor.SCHEDULER, "jobcentre.joint_reminded", member_id=message.member_id,
                     target=message,
                     now=now, detail={"jobcentre": municipalities.jobcentre_name(message.jobcentre_code),
                                      "users": len(staff)})
        reminded += 1
    return reminded
