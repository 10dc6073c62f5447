"""One person, one place at a time: a member's conversations and offer sessions must not overlap.

A place is an active booking (booked/held) or a seat in an offer session: registered, or a seat held for the
member ("offered", from the waiting list). A waiting-list place is not a place yet; when it turns into a held seat,
taking that seat is checked. Every write that gives a member a place (booking, moving a booking, registering,
taking a held seat, a caseworker's assignment) calls `refuse_clash` in the same transaction as the write, after
taking the member's lock, so two requests cannot both see the time free.

Members are refused with the clash named and what to do; caseworkers may override with a reason, which is
audited on the member's record.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import format_local_datetime
from portal.models import Booking, Member, User
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.offers import Offer, OfferRegistration, OfferSession
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.services import audit
from portal.services.actors import Actor
from portal.services.booking.conversation_types import TYPES
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.errors import Conflict, ValidationFailed
from portal.services.text_limits import one_line_breaks, refuse_control_characters

PLACE_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED)
# A session longer than this is a course period (an FVU course runs for weeks); its meeting times are not modelled,
# so it neither blocks nor is blocked. Single meetings (webinars, theme meetings, tests, conversations) are shorter.
MAX_MEETING = timedelta(hours=12)
MEMBER_LOCK = 0x464F4132  # PostgreSQL advisory lock class for "a member's places" ("FOA2"), keyed by member id


class Clash(Conflict):
    code = "clash"


@dataclass(frozen=True)
class Place:
    kind: str  # "booking" or "session"
    title: str
    starts_at: datetime
    ends_at: datetime

    def describe(self) -> str:
        when = format_local_datetime(self.starts_at, "EEEE d. MMMM 'kl.' HH:mm")
        return _("%(title)s %(when)s–%(end)s", title=self.title, when=when,
                 end=format_local_datetime(self.ends_at, "HH:mm"))


def lock_member(session: Session, member_id: int) -> None:
    """Serialise writers of one member's places (PostgreSQL; SQLite's writers are serialised already)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MEMBER_LOCK}, {int(member_id)})")


def find_clash(session: Session, member_id: int, starts_at: datetime, ends_at: datetime, *,
               exclude_booking_id: int | None = None, exclude_session_id: int | None = None) -> Place | None:
    """The member's first place overlapping [starts_at, ends_at), if any."""
    bookings = select(Booking).where(
        Booking.member_id == member_id, Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        Booking.starts_at < ends_at, Booking.ends_at > starts_at)
    if exclude_booking_id is not None:
        bookings = bookings.where(Booking.id != exclude_booking_id)
    booking = session.scalars(bookings.order_by(Booking.starts_at).limit(1)).first()
    if booking is not None:
        return Place("booking", str(TYPES[booking.type].label) if booking.type in TYPES else booking.type,
                     booking.starts_at, booking.ends_at)
    sessions = _session_places(member_id, starts_at, ends_at)
    if exclude_session_id is not None:
        sessions = sessions.where(OfferSession.id != exclude_session_id)
    for row in session.execute(sessions.order_by(OfferSession.starts_at)):
        if row.ends_at - row.starts_at <= MAX_MEETING:
            return Place("session", row.title, row.starts_at, row.ends_at)
    return None


def _session_places(member_id: int, starts_at: datetime, ends_at: datetime):
    return (select(OfferSession.starts_at, OfferSession.ends_at, Offer.title)
            .join(OfferRegistration, OfferRegistration.session_id == OfferSession.id)
            .join(Offer, Offer.id == OfferSession.offer_id)
            .where(OfferRegistration.member_id == member_id,
                   OfferRegistration.status.in_(PLACE_STATUSES), OfferSession.status == SessionStatus.OPEN,
                   OfferSession.starts_at < ends_at, OfferSession.ends_at > starts_at))


def session_times(session: Session, member_id: int, starts_at: datetime,
                  ends_at: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of the member's seats in offer sessions overlapping [starts_at, ends_at): the times a member's
    slot list leaves out, so it never offers a time the booking would then refuse. Course periods aside."""
    return [(row.starts_at, row.ends_at) for row in session.execute(_session_places(member_id, starts_at, ends_at))
            if row.ends_at - row.starts_at <= MAX_MEETING]


OVERRIDE_REASON_MIN = 5  # as a caseworker's reason to cancel a right-and-duty place


def refuse_clash(session: Session, member: Member, starts_at: datetime, ends_at: datetime, *, actor: Actor, now: datetime,
                 staff: bool = False, override_reason: str | None = None, exclude_booking_id: int | None = None,
                 exclude_session_id: int | None = None) -> None:
    """Raise Clash if the member has another place at that time; staff may go ahead with a reason (audited)."""
    if ends_at - starts_at > MAX_MEETING:
        return
    lock_member(session, member.id)
    place = find_clash(session, member.id, starts_at, ends_at, exclude_booking_id=exclude_booking_id,
                       exclude_session_id=exclude_session_id)
    if place is None:
        return
    reason = one_line_breaks(override_reason or "").strip()
    staff_clash = _("Medlemmet er optaget på det tidspunkt: %(place)s. Vælg en anden tid, eller gå videre med en "
                    "begrundelse, hvis medlemmet skal begge steder.", place=place.describe())
    if staff and reason:
        try:
            refuse_control_characters(reason, field="override_reason", label=_("Begrundelsen"))
            if len(reason) > 500:
                raise ValidationFailed(_("Begrundelsen må højst være 500 tegn."), field="override_reason")
            if len(reason) < OVERRIDE_REASON_MIN:  # "x" says nothing in the member's log
                raise ValidationFailed(_("Skriv en begrundelse på mindst %(n)d tegn.", n=OVERRIDE_REASON_MIN),
                                       field="override_reason")
        except ValidationFailed as refused:  # the clash is still there: a form asking again can say it again
            refused.context["clash"] = staff_clash
            raise
        audit.record(session, actor if isinstance(actor, (User, str)) else None, "clash.override",
                     member_id=member.id, now=now, reason=reason,
                     detail={"other": place.kind, "other_title": place.title,
                             "other_starts_at": place.starts_at.isoformat(), "starts_at": starts_at.isoformat()})
        return
    if staff:
        raise Clash(staff_clash, field="override_reason")
    if place.kind == "booking":  # a conversation can be moved; a seat on a session only given up
        raise Clash(_("Du er optaget på det tidspunkt: %(place)s. Du kan ikke være to steder på én gang. Vælg en "
                      "anden tid, eller flyt eller aflys den anden samtale først under Mine samtaler.",
                      place=place.describe()), field="starts_at")
    raise Clash(_("Du er optaget på det tidspunkt: %(place)s. Du kan ikke være to steder på én gang. Vælg en anden "
                  "tid, eller meld dig fra det andet først under Mine tilmeldinger.", place=place.describe()),
                field="starts_at")
