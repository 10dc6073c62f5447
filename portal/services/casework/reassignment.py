"""A caseworker leaves: what they still hold, and handing their members and coming conversations to a colleague.

A deactivated caseworker (portal.auth.service.deactivate_user) is offered for no new booking or move and is nobody's
contact any more (Caseworker.active), but their members and booked conversations stay with them until someone hands
them on: `workload` says what there is (the `users deactivate` command prints it), `reassign_caseworker` hands it on
(`flask users reassign OLD NEW`). Each member is told their new contact; each booking the colleague is free for
moves to them at the same time and place (the member is told by e-mail); the rest are listed for a person to move
or cancel. Nothing is committed here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal.i18n import N_
from portal.i18n import gettext as _
from portal.models import Booking, Caseworker, Member, User
from portal.models.statuses import BookingStatus
from portal.services import audit
from portal.services.actors import Actor
from portal.services.booking.booking import reassign_booking, serialise_booking_writes
from portal.services.errors import DomainError, ValidationFailed
from portal.services.links import internal_path
from portal.services.messaging import notifications


@dataclass(frozen=True)
class Workload:
    """What a caseworker still holds: their members (any status) and their booked conversations still to come."""

    members: int
    bookings: list[Booking]


def workload(session: Session, caseworker: Caseworker, *, now: datetime) -> Workload:
    members = session.scalar(select(func.count()).select_from(Member)
                             .where(Member.caseworker_id == caseworker.id)) or 0
    return Workload(members, _coming_bookings(session, caseworker, now))


def _coming_bookings(session: Session, caseworker: Caseworker, now: datetime) -> list[Booking]:
    return list(session.scalars(
        select(Booking).where(Booking.caseworker_id == caseworker.id, Booking.status == BookingStatus.BOOKED,
                              Booking.starts_at > now)
        .options(joinedload(Booking.member)).order_by(Booking.starts_at, Booking.id)))


@dataclass
class Reassignment:
    members: int = 0
    moved: list[Booking] = field(default_factory=list)
    left: list[tuple[Booking, str]] = field(default_factory=list)  # (booking, why it stayed) for a person to handle


def reassign_caseworker(session: Session, old: Caseworker, new: Caseworker, *, actor: Actor,
                        now: datetime) -> Reassignment:
    """Give `old`'s members and coming booked conversations to `new` (an active caseworker). ValidationFailed when
    `new` cannot take them; a booking `new` is not free for stays with `old` and is listed in the result."""
    if new.id == old.id:
        raise ValidationFailed(_("Vælg en anden sagsbehandler end den, der stopper."), field="new")
    if not new.active:
        raise ValidationFailed(_("%(name)s er deaktiveret og kan ikke overtage medlemmer eller samtaler.",
                                 name=new.name), field="new")
    serialise_booking_writes(session)  # no booking with `old` slips in between the members and their bookings
    result = Reassignment()
    member_link = internal_path("minside.home")
    members = list(session.scalars(select(Member).options(joinedload(Member.user))
                                   .where(Member.caseworker_id == old.id).order_by(Member.id)))
    for member in members:
        member.caseworker = new  # the ORM change keeps the caseload's stored copy in step (casework.caseload)
        audit.record(session, actor, "member.caseworker_change", member_id=member.id, target=member, now=now,
                     detail={"from_caseworker_id": old.id, "to_caseworker_id": new.id})
        if member.user is not None:
            notifications.notify_in_language(
                session, member.user, N_("Din nye kontakt i a-kassen er %(name)s, %(place)s."), link=member_link,
                now=now, name=new.name, place=new.location.name)
    result.members = len(members)
    session.flush()
    for booking in _coming_bookings(session, old, now):
        try:
            with session.begin_nested():
                reassign_booking(session, booking, caseworker_id=new.id, actor=actor, now=now)
        except DomainError as exc:
            session.refresh(booking)
            result.left.append((booking, exc.message))
        else:
            result.moved.append(booking)
    audit.record(session, actor, "user.reassign", target=old.user, now=now, detail={
        "from_caseworker_id": old.id, "to_caseworker_id": new.id, "members": result.members,
        "bookings_moved": len(result.moved), "bookings_left": len(result.left)})
    if result.members or result.moved:
        notifications.notify_in_language(
            session, new.user, N_("Du har overtaget %(members)s medlemmer og %(bookings)s bookede samtaler fra "
                                  "%(name)s."), link=internal_path("caseworker.caseload"), now=now,
            members=result.members, bookings=len(result.moved), name=old.name)
    return result


def caseworker_by_username(session: Session, username: str) -> Caseworker | None:
    """The caseworker whose login is `username` (active or not), or None."""
    return session.scalar(select(Caseworker).join(User, User.id == Caseworker.user_id)
                          .where(User.username == username))
