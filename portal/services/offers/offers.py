"""Offers with seats (tilbud): the catalogue, registration and cancellation, right-and-duty, attendance.

Seats, waiting lists and held seats are portal/services/offers/waitlist.py, staff editing of offers and sessions
offer_editing.py, what the member is told (e-mail, Min side, calendar invitation) offer_messages.py; callers import
each from its own module. Functions change the session and write the audit log and the outbox; the caller (view,
API, scheduler job) commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from portal.database import Read, prepared, read_lines
from portal.i18n import N_
from portal.models import Member, User
from portal.models.offers import (
    ACTIVE_STATUSES,
    CURRENT_STATUSES,
    FVU_MAX_HOURS,
    Offer,
    OfferRegistration,
    OfferSession,
    audience_column,
)
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.query_args import ascii_digits
from portal.services import access, audit
from portal.services.actors import Actor, SystemActor
from portal.services.booking import clashes
from portal.services.booking.ics import calendar_attachment
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.messaging import notifications
from portal.services.messaging.reminder_keys import stop_session_reminders
from portal.services.minside_i18n import _
from portal.services.offers import fvu_feedback, registration_state
from portal.services.offers.eligibility import member_audiences, offer_fits
from portal.services.offers.offer_messages import (
    in_language_of,
    session_ics,
    session_when,
    tell_member,
    tell_registered,
)
from portal.services.offers.waitlist import leave_waitlist, lock_session, promote_waitlist, set_status
from portal.services.text_limits import kept_whole, one_line_breaks, refuse_control_characters

Registration = OfferRegistration


class SessionFull(Conflict):
    code = "session_full"


class AlreadyRegistered(Conflict):
    code = "already_registered"


class SessionClosed(Conflict):
    code = "session_closed"


class NotOpenToMember(NotAllowed):
    code = "not_open_to_member"


# Attendance can be registered from an hour before the start (check-in at the door).
CHECK_IN_OPENS = timedelta(hours=1)
MIN_REASON = 5
# A course completion note (staff, on the check-in list) is kept whole up to this length or refused.
COMPLETION_NOTE_MAX = 2000


# -- who may take part -----------------------------------------------------------------------------------------

# member_audiences and offer_fits live in eligibility.py (waitlist.py asks them too) and are imported above.


def _audience_filter(audiences: frozenset[str]):
    if not audiences:
        return False
    return or_(*[getattr(Offer, audience_column(a)).is_(True) for a in sorted(audiences)])


# -- the catalogue -----------------------------------------------------------------------------------------------

def list_offers(session: Session, *, member: Member | None = None, kind: str | None = None,
                location_id: int | None = None, now: datetime, include_online: bool = True,
                limit: int | None = None, joinable: bool = False) -> list[Offer]:
    """Active offers with an upcoming open session, soonest first; for a member only those open to their group.

    location_id keeps sessions at that location (and online sessions unless include_online is False). `joinable`
    (with a member) also leaves out what they cannot sign up for yet: FVU courses before they have taken an FVU test
    (the rule of `_check_can_join`, in the same statement).
    """
    audiences = frozenset(member_audiences(member)) if member is not None else None
    query = _offers_by_next_start(audiences, bool(kind), location_id is not None, include_online, limit,
                                  joinable and member is not None)
    return list(session.scalars(query, {"now": now, "kind": kind, "location_id": location_id,
                                        "member_id": member.id if member is not None else None}))


def joinable_offer_titles(session: Session, member: Member, *, now: datetime, limit: int) -> list[tuple]:
    """`list_offers(member=member, joinable=True, limit=limit)` as rows of id, title and the next session's start
    (Min side's list of offers she can sign up for; no ORM objects, read as member_registration_lines)."""
    return joinable_offer_titles_read(member, now=now, limit=limit).lines(session)


def joinable_offer_titles_read(member: Member, *, now: datetime, limit: int) -> Read:
    query = _offers_by_next_start(frozenset(member_audiences(member)), False, False, True, limit, True,
                                  titles_only=True)
    return Read(query, {"now": now, "kind": None, "location_id": None, "member_id": member.id})


def _fvu_test_taken():
    """EXISTS: the member (bind parameter member_id) attended an FVU test (as `_has_taken_fvu_test`)."""
    test = aliased(Offer)
    return (select(OfferRegistration.id).join(OfferSession, OfferSession.id == OfferRegistration.session_id)
            .join(test, test.id == OfferSession.offer_id)
            .where(OfferRegistration.member_id == bindparam("member_id"),
                   OfferRegistration.status == RegistrationStatus.ATTENDED, test.kind == "fvu_test")
            .exists())


@prepared
def _offers_by_next_start(audiences: frozenset[str] | None, by_kind: bool, by_location: bool, include_online: bool,
                          limit: int | None, joinable: bool = False, titles_only: bool = False):
    upcoming = [OfferSession.offer_id == Offer.id, OfferSession.status == SessionStatus.OPEN,
                OfferSession.starts_at > bindparam("now")]
    if by_location:
        where_place = OfferSession.location_id == bindparam("location_id")
        upcoming.append(or_(where_place, OfferSession.location_id.is_(None)) if include_online else where_place)
    next_start = select(func.min(OfferSession.starts_at)).where(*upcoming).correlate(Offer).scalar_subquery()
    shown = next_start.label("next_start")  # ordered by its name: not a third time
    query = (select(Offer.id, Offer.title, shown) if titles_only else select(Offer)).where(
        Offer.active.is_(True), next_start.is_not(None)).order_by(shown if titles_only else next_start, Offer.id)
    if by_kind:
        query = query.where(Offer.kind == bindparam("kind"))
    if audiences is not None:
        query = query.where(_audience_filter(audiences))
    if joinable:
        query = query.where(or_(Offer.requires_fvu_test.is_(False), _fvu_test_taken()),
                            Offer.id.not_in(_offers_signed_up_ahead()))
    return query.limit(limit) if limit is not None else query


def _offers_signed_up_ahead():
    """The offers on whose upcoming sessions the member (bind parameter member_id) holds a place (or a waiting-list
    place): not ones "you can sign up for" on Min side, which lists them among their appointments.

    Read once from her few registrations (not correlated per offer: SQLite then walked every coming session of
    every offer and looked her registrations up for each, 0.6 ms of Min side's read)."""
    ahead = aliased(OfferSession)
    return (select(ahead.offer_id).join(OfferRegistration, OfferRegistration.session_id == ahead.id)
            .where(OfferRegistration.member_id == bindparam("member_id"), ahead.starts_at > bindparam("now"),
                   OfferRegistration.status.in_((RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED,
                                                 RegistrationStatus.REGISTERED))))


@dataclass
class SessionStats:
    next_start: datetime | None
    sessions: int
    seats_left: int


def offer_stats(session: Session, offer_ids: list[int], *, location_id: int | None = None,
                now: datetime) -> dict[int, SessionStats]:
    """Per offer: next start, number of upcoming sessions and free seats (one query for the whole list)."""
    if not offer_ids:
        return {}
    query = (select(OfferSession.offer_id, func.min(OfferSession.starts_at), func.count(),
                    func.sum(OfferSession.capacity - OfferSession.seats_taken))
             .where(OfferSession.offer_id.in_(offer_ids), OfferSession.status == SessionStatus.OPEN,
                    OfferSession.starts_at > now)
             .group_by(OfferSession.offer_id))
    if location_id is not None:
        query = query.where(or_(OfferSession.location_id == location_id, OfferSession.location_id.is_(None)))
    return {oid: SessionStats(first, count, int(left or 0)) for oid, first, count, left in session.execute(query)}


def catalogue_offers(session: Session, *, member: Member, kind: str | None = None, location_id: int | None = None,
                     now: datetime) -> list[tuple]:
    """The catalogue's offers: those `list_offers` gives (with online sessions), soonest first, each with the figures
    over those same sessions, in one statement. Rows of what the catalogue shows, not Offer objects: id, kind, title,
    description, sosu_variant, requires_fvu_test, next_start, sessions and seats_left (free seats, an int)."""
    query = _offers_with_session_figures(frozenset(member_audiences(member)), bool(kind), location_id is not None)
    # Columns only, on the session's connection: no ORM objects to build (issue 19: half this call's time); a read
    # page has nothing unflushed for it to miss.
    return read_lines(session, query, {"now": now, "kind": kind, "location_id": location_id})


@prepared
def _offers_with_session_figures(audiences: frozenset[str], by_kind: bool, by_location: bool):
    upcoming = [OfferSession.status == SessionStatus.OPEN, OfferSession.starts_at > bindparam("now")]
    if by_location:
        upcoming.append(or_(OfferSession.location_id == bindparam("location_id"), OfferSession.location_id.is_(None)))
    per_offer = (select(OfferSession.offer_id, func.min(OfferSession.starts_at).label("next_start"),
                        func.count().label("sessions"),
                        func.coalesce(func.sum(OfferSession.capacity - OfferSession.seats_taken), 0)
                        .label("seats_left"))
                 .where(*upcoming).group_by(OfferSession.offer_id).subquery())
    query = (select(Offer.id, Offer.kind, Offer.title, Offer.description, Offer.sosu_variant, Offer.requires_fvu_test,
                    per_offer.c.next_start, per_offer.c.sessions, per_offer.c.seats_left)
             .join(per_offer, per_offer.c.offer_id == Offer.id)
             .where(Offer.active.is_(True), _audience_filter(audiences))
             .order_by(per_offer.c.next_start, Offer.id))
    if by_kind:
        query = query.where(Offer.kind == bindparam("kind"))
    return query


def open_sessions(session: Session, offer_id: int, now: datetime, *,
                  location_id: int | None = None) -> list[OfferSession]:
    """Upcoming, not cancelled sessions of an offer (full ones too: they have a waiting list)."""
    query = (select(OfferSession).options(joinedload(OfferSession.location), joinedload(OfferSession.offer))
             .where(OfferSession.offer_id == offer_id, OfferSession.status == SessionStatus.OPEN,
                    OfferSession.starts_at > now)
             .order_by(OfferSession.starts_at, OfferSession.id))
    if location_id is not None:
        query = query.where(or_(OfferSession.location_id == location_id, OfferSession.location_id.is_(None)))
    return list(session.scalars(query))


def waitlist_lengths(session: Session, session_ids: list[int]) -> dict[int, int]:
    """How many wait on each of these sessions (one grouped query)."""
    if not session_ids:
        return {}
    return dict(session.execute(
        select(OfferRegistration.session_id, func.count()).where(
            OfferRegistration.session_id.in_(session_ids), OfferRegistration.status == RegistrationStatus.WAITLISTED)
        .group_by(OfferRegistration.session_id)).all())


def get_offer(session: Session, offer_id: int, *, member: Member | None = None) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or (member is not None and (not offer.active or not offer_fits(offer, member))):
        raise NotFound(_("Tilbuddet findes ikke, eller det er ikke åbent for dig."))
    return offer


def get_session(session: Session, session_id: int) -> OfferSession:
    offer_session = session.scalar(select(OfferSession).options(
        joinedload(OfferSession.offer), joinedload(OfferSession.location)).where(OfferSession.id == session_id))
    if offer_session is None:
        raise NotFound(_("Holdet findes ikke."))
    return offer_session


def live_registration(session: Session, member_id: int, session_id: int) -> OfferRegistration | None:
    return session.scalar(select(OfferRegistration).where(
        OfferRegistration.member_id == member_id, OfferRegistration.session_id == session_id,
        OfferRegistration.status.in_(ACTIVE_STATUSES)))


def member_registrations(session: Session, member: Member, now: datetime, *,
                         include_past: bool = False) -> list[OfferRegistration]:
    """The member's live registrations (registered, held seat, waiting list) for sessions not yet ended,
    soonest first; with include_past also finished and cancelled ones (newest last)."""
    return list(session.scalars(_registrations_of_member(include_past), {"member_id": member.id, "now": now}))


@prepared
def _registrations_of_member(include_past: bool):
    # The session is joined once, for the filter and the order and as the loaded relationship (contains_eager).
    query = (select(OfferRegistration).join(OfferRegistration.offer_session)
             .options(contains_eager(OfferRegistration.offer_session).joinedload(OfferSession.offer),
                      contains_eager(OfferRegistration.offer_session).joinedload(OfferSession.location))
             .where(OfferRegistration.member_id == bindparam("member_id"))
             .order_by(OfferSession.starts_at, OfferRegistration.id))
    if not include_past:
        query = query.where(OfferRegistration.status.in_(CURRENT_STATUSES),
                            OfferSession.ends_at > bindparam("now"))
    return query


def member_registration_lines(session: Session, member: Member) -> list[tuple]:
    """All the member's registrations, finished and cancelled too, in member_registrations' order, as rows of what
    a list of them shows (the caseworker's screen): starts_at, title, status, session_status, right_and_duty.
    On the session's connection, as catalogue_offers: no ORM objects, nothing unflushed of a registration to miss."""
    return member_registration_lines_read(member).lines(session)


def member_registration_lines_read(member: Member) -> Read:
    return Read(_registration_lines_of_member(), {"member_id": member.id})


@prepared
def _registration_lines_of_member():
    return (select(OfferSession.starts_at, Offer.title, OfferRegistration.status,
                   OfferSession.status.label("session_status"), OfferRegistration.right_and_duty)
            .select_from(OfferRegistration)
            .join(OfferRegistration.offer_session).join(OfferSession.offer)
            .where(OfferRegistration.member_id == bindparam("member_id"))
            .order_by(OfferSession.starts_at, OfferRegistration.id))


def upcoming_registration_lines(session: Session, member: Member, now: datetime) -> list[tuple]:
    """The member's live registrations (member_registrations without include_past), as rows of what Min side shows
    and answers a held seat with: id, status, right_and_duty, held_until, starts_at, ends_at, title. Read as
    member_registration_lines."""
    return upcoming_registration_lines_read(member, now).lines(session)


def upcoming_registration_lines_read(member: Member, now: datetime) -> Read:
    return Read(_upcoming_registration_lines(), {"member_id": member.id, "now": now})


@prepared
def _upcoming_registration_lines():
    return (select(OfferRegistration.id, OfferRegistration.status, OfferRegistration.right_and_duty,
                   OfferRegistration.held_until, OfferSession.starts_at, OfferSession.ends_at, Offer.title)
            .select_from(OfferRegistration)
            .join(OfferRegistration.offer_session).join(OfferSession.offer)
            .where(OfferRegistration.member_id == bindparam("member_id"),
                   OfferRegistration.status.in_(CURRENT_STATUSES), OfferSession.ends_at > bindparam("now"))
            .order_by(OfferSession.starts_at, OfferRegistration.id))


def is_current(reg: OfferRegistration, now: datetime) -> bool:
    """A registration is current: registered, a held seat or on the waiting list, for a session not yet ended."""
    return reg.status in CURRENT_STATUSES and reg.offer_session.ends_at > now


def current_and_past(registrations: list[OfferRegistration], now: datetime
                     ) -> tuple[list[OfferRegistration], list[OfferRegistration]]:
    """`member_registrations(include_past=True)` split for "Mine tilbud": the current ones in their order, and the
    30 latest others, newest first."""
    current = [r for r in registrations if is_current(r, now)]
    # A session the member is signed up for again is not also "earlier and cancelled" (an old cancellation of it).
    live_sessions = {r.session_id for r in current}
    return current, [r for r in reversed(registrations) if r not in current and r.session_id not in live_sessions][:30]


def current_registrations_on(session: Session, member: Member, session_ids: list[int]
                             ) -> dict[int, OfferRegistration]:
    """session id → the member's current registration on it (registered, held seat or waiting list)."""
    if not session_ids:
        return {}
    return {r.session_id: r for r in session.scalars(select(OfferRegistration).where(
        OfferRegistration.member_id == member.id, OfferRegistration.session_id.in_(session_ids),
        OfferRegistration.status.in_(CURRENT_STATUSES)))}


# Which of a member's live registrations for one offer says most about it: a seat, then a held seat, then a
# waiting-list place (a member may be on one session's list while registered for another).
_TELLING_ORDER = (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED, RegistrationStatus.WAITLISTED)


def registration_per_offer(registrations: list[OfferRegistration]) -> dict[int, OfferRegistration]:
    """offer id → the member's most telling live registration for it (for the catalogue's badge)."""
    best: dict[int, OfferRegistration] = {}
    for reg in registrations:
        if reg.status not in _TELLING_ORDER:
            continue
        offer_id = reg.offer_session.offer_id
        current = best.get(offer_id)
        if current is None or _TELLING_ORDER.index(reg.status) < _TELLING_ORDER.index(current.status):
            best[offer_id] = reg
    return best


def sessions_by_place(sessions: list[OfferSession], *, home_location_id: int | None) -> list[tuple[str, list]]:
    """Sessions grouped by place for a long list ("Alle steder"): the member's own department first, then online,
    then the other places alphabetically; each group soonest first."""
    groups: dict[tuple, list[OfferSession]] = {}
    for s in sessions:
        if s.location is None:
            key = (1, "", _("Online"))
        else:
            key = (0 if s.location_id == home_location_id else 2, s.location.name, s.location.name)
        groups.setdefault(key, []).append(s)
    return [(key[2], sorted(items, key=lambda s: s.starts_at)) for key, items in sorted(groups.items())]


def sessions_starting_between(session: Session, start: datetime, end: datetime) -> list[OfferSession]:
    """Open sessions starting in [start, end) with their registrations and members loaded (reminders)."""
    return list(session.scalars(
        select(OfferSession)
        .options(joinedload(OfferSession.offer), joinedload(OfferSession.location),
                 selectinload(OfferSession.registrations).joinedload(OfferRegistration.member))
        .where(OfferSession.status == SessionStatus.OPEN, OfferSession.starts_at >= start, OfferSession.starts_at < end)
        .order_by(OfferSession.starts_at)
    ))


# -- registration ------------------------------------------------------------------------------------------------

def _check_can_join(session: Session, member: Member, offer_session: OfferSession, now: datetime, *,
                    by_caseworker: bool) -> None:
    offer = offer_session.offer
    if offer_session.status != SessionStatus.OPEN:
        raise SessionClosed(_("Holdet er aflyst."))
    if offer_session.starts_at <= now:
        raise SessionClosed(_("Holdet er allerede begyndt eller afholdt. Vælg et senere hold."))
    if not by_caseworker:
        if not offer.active:
            raise NotFound(_("Tilbuddet findes ikke, eller det er ikke åbent for dig."))
        if not offer_fits(offer, member):
            raise NotOpenToMember(_("Tilbuddet er ikke åbent for din målgruppe. Spørg din sagsbehandler, hvis du "
                               "mener, det passer til dig."))
        if offer.requires_fvu_test and not _has_taken_fvu_test(session, member):
            raise NotOpenToMember(_("FVU-kurser kræver, at du først har taget en FVU-test. Tilmeld dig en test, "
                               "eller spørg din sagsbehandler."))
    existing = live_registration(session, member.id, offer_session.id)
    if existing is not None:
        messages = {
            "waitlisted": _("Du står allerede på ventelisten til dette hold."),
            "offered": _("Der holdes allerede en plads til dig på dette hold. Tag den under Mine tilmeldinger."),
        }
        raise AlreadyRegistered(messages.get(existing.status, _("Du er allerede tilmeldt dette hold.")))
    other = _live_registration_for_offer(session, member.id, offer_session, now)
    if other is not None:
        when = session_when(other.offer_session)
        messages = {
            "waitlisted": _("Du står allerede på ventelisten til holdet %(when)s. Man kan kun være på ét hold af "
                            "hvert tilbud: forlad ventelisten under Mine tilmeldinger, hvis du hellere vil her.",
                            when=when),
            "offered": _("Der holdes en plads til dig på holdet %(when)s. Man kan kun være på ét hold af hvert "
                         "tilbud: sig nej tak til den under Mine tilmeldinger, hvis du hellere vil her.", when=when),
        }
        raise AlreadyRegistered(messages.get(other.status, _(
            "Du er allerede tilmeldt holdet %(when)s. Man kan kun være på ét hold af hvert tilbud: afmeld det under "
            "Mine tilmeldinger, hvis du hellere vil her.", when=when)))


def _live_registration_for_offer(session: Session, member_id: int, offer_session: OfferSession, now: datetime
                                 ) -> OfferRegistration | None:
    """The member's live registration for another, not yet ended session of the same offer (one per offer)."""
    return session.scalars(
        select(OfferRegistration).join(OfferRegistration.offer_session)
        .where(OfferRegistration.member_id == member_id, OfferSession.offer_id == offer_session.offer_id,
               OfferSession.id != offer_session.id, OfferSession.status == SessionStatus.OPEN,
               OfferSession.ends_at > now,
               OfferRegistration.status.in_(CURRENT_STATUSES))
        .order_by(OfferSession.starts_at).limit(1)).first()


def _has_taken_fvu_test(session: Session, member: Member) -> bool:
    return session.scalar(
        select(func.count()).select_from(OfferRegistration).join(OfferRegistration.offer_session)
        .join(OfferSession.offer)
        .where(OfferRegistration.member_id == member.id, OfferRegistration.status == RegistrationStatus.ATTENDED,
               Offer.kind == "fvu_test")
    ) > 0


def _new_registration(member: Member, offer_session: OfferSession, now: datetime, **values) -> OfferRegistration:
    return OfferRegistration(member_id=member.id, session_id=offer_session.id, created_at=now, updated_at=now,
                             sequence=0, hold_round=0, right_and_duty=False, status=RegistrationStatus.CANCELLED,
                             **values)


def register(session: Session, member: Member, session_id: int, *, actor: Actor, now: datetime,
             waitlist_if_full: bool = True) -> OfferRegistration:
    """Register the member; a full session puts them on the waiting list instead (status tells which).

    Refused (nothing written): a session cancelled, started or past; not open to the member's group; FVU course
    without an FVU test; already registered or on the list; full and waitlist_if_full is False.
    """
    offer_session = lock_session(session, session_id)
    _check_can_join(session, member, offer_session, now, by_caseworker=False)
    reg = _new_registration(member, offer_session, now)
    if offer_session.seats_left > 0:
        clashes.refuse_clash(session, member, offer_session.starts_at, offer_session.ends_at, actor=actor, now=now,
                             staff=False, exclude_session_id=offer_session.id)
        set_status(reg, offer_session, RegistrationStatus.REGISTERED, now)
        reg.registered_at = now
    elif waitlist_if_full:
        reg.status = RegistrationStatus.WAITLISTED
        reg.waitlisted_at = now
    else:
        raise SessionFull(_("Holdet er fuldt. Du kan skrive dig på ventelisten."))
    reg.sequence = 0
    session.add(reg)
    _flush(session)
    audit.record(session, actor, f"offers.{reg.status}", member_id=member.id, target=reg,
                 detail={"session_id": offer_session.id, "offer_id": offer_session.offer_id}, now=now)
    if reg.status == RegistrationStatus.REGISTERED:
        tell_registered(session, reg, now)
    return reg


def _flush(session: Session) -> None:
    """A duplicate that slipped past the check still meets the unique index: the same clear message."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadyRegistered(_("Du er allerede tilmeldt dette hold.")) from None


def assign_right_and_duty(session: Session, member: Member, session_id: int, *, actor: User,
                          now: datetime, override_reason: str | None = None) -> OfferRegistration:
    """A caseworker makes a session a ret- og pligttilbud for the member: registered, cannot cancel without reason.

    An existing registration or waiting-list place on the session is turned into the assignment; a full session
    is refused (choose another session or raise the capacity), so the capacity always holds.
    """
    _require_staff(actor)
    require_may_act_for(session, actor, member)
    offer_session = lock_session(session, session_id)
    if offer_session.status != SessionStatus.OPEN or offer_session.starts_at <= now:
        raise Conflict(_("Holdet er aflyst, begyndt eller afholdt. Vælg et senere hold."))
    reg = live_registration(session, member.id, offer_session.id)
    if reg is not None and reg.right_and_duty:
        raise Conflict(_("Holdet er allerede tildelt medlemmet som ret- og pligttilbud."))
    clashes.refuse_clash(session, member, offer_session.starts_at, offer_session.ends_at, actor=actor, now=now,
                         staff=True, override_reason=override_reason, exclude_session_id=offer_session.id)
    if reg is None or reg.status == RegistrationStatus.WAITLISTED:
        if offer_session.seats_left <= 0:
            raise SessionFull(_("Holdet er fuldt. Vælg et andet hold, eller sæt antallet af pladser op."))
        if reg is None:
            reg = _new_registration(member, offer_session, now)
            session.add(reg)
        set_status(reg, offer_session, RegistrationStatus.REGISTERED, now)
    elif reg.status == RegistrationStatus.OFFERED:
        set_status(reg, offer_session, RegistrationStatus.REGISTERED, now)
    reg.registered_at = reg.registered_at or now
    reg.right_and_duty = True
    reg.assigned_by_user_id = actor.id
    _flush(session)
    audit.record(session, actor, "offers.right_and_duty_assigned", member_id=member.id, target=reg,
                 detail={"session_id": offer_session.id}, now=now)
    tell_registered(session, reg, now)
    return reg


def assign_right_and_duty_by_number(session: Session, member_number: str, session_id: int, *, actor: User,
                                    now: datetime, override_reason: str | None = None) -> OfferRegistration:
    """`assign_right_and_duty` for the member with the number the caseworker typed; ValidationFailed (field
    member_number) if it is not a number or nobody has it."""
    member_number = member_number.strip()
    if not ascii_digits(member_number):
        raise ValidationFailed(_("Skriv medlemsnummeret (kun cifre)."), field="member_number")
    member = access.member_by_number(session, member_number)
    if member is None:
        raise ValidationFailed(_("Der findes ikke et medlem med nummer %(n)s.", n=member_number),
                               field="member_number")
    return assign_right_and_duty(session, member, session_id, actor=actor, now=now, override_reason=override_reason)


def cancel_registration(session: Session, registration: OfferRegistration, *, actor: Actor, now: datetime,
                        reason: str | None = None) -> OfferRegistration:
    """Cancel a seat (or leave the waiting list). Right-and-duty needs a reason; the freed seat is offered on."""
    if registration.status in (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED):
        return leave_waitlist(session, registration, actor=actor, now=now)
    offer_session = lock_session(session, registration.session_id)
    session.refresh(registration)
    is_member = isinstance(actor, User) and actor.role == "member"
    if is_member and (actor.member is None or actor.member.id != registration.member_id):
        raise NotFound(_("Tilmeldingen findes ikke."))
    if isinstance(actor, User) and not is_member:
        _require_staff(actor)
    if registration.status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Tilmeldingen er allerede afmeldt eller afsluttet."))
    if offer_session.starts_at <= now:
        raise Conflict(_("Holdet er begyndt, så du kan ikke længere afmelde dig her. Kontakt din sagsbehandler."))
    reason = one_line_breaks(reason or "").strip()
    refuse_control_characters(reason, field="reason", label=_("Begrundelsen"))
    if (registration.right_and_duty or not is_member) and len(reason) < MIN_REASON:
        message = (_("Det er et ret- og pligttilbud. Skriv hvorfor du melder fra (mindst 5 tegn).")
                   if registration.right_and_duty else _("Skriv en begrundelse (mindst 5 tegn)."))
        raise ValidationFailed(message, field="reason")
    if len(reason) > 1000:
        raise ValidationFailed(_("Begrundelsen må højst være 1000 tegn."), field="reason")
    set_status(registration, offer_session, RegistrationStatus.CANCELLED, now)
    registration.cancelled_at = now
    registration.cancel_reason = reason or None
    audit.record(session, actor, "offers.cancelled", member_id=registration.member_id, target=registration,
                 reason=reason[:200] or None, detail={"session_id": offer_session.id}, now=now)
    member = registration.member
    title = offer_session.offer.title
    stop_session_reminders(session, offer_session.id, member.id, now=now)
    with in_language_of(member):  # whoever cancelled (the member, a caseworker in English): the member's language
        words = {"subject": registration_state.subject(registration.status, title),
                 "text": "\n\n".join((_("Du er afmeldt %(title)s %(when)s.", title=title,
                                          when=session_when(offer_session)),
                                        registration_state.status_line(registration.status))),
                 "attachments": [calendar_attachment("tilbud.ics", session_ics(offer_session, registration, now))]}
    tell_member(session, member, now, key=f"offer-cancelled-{registration.id}", kind="offers.cancelled", **words)
    if registration.right_and_duty:
        _flag_caseworker(session, registration, now, N_(
            "%(name)s har meldt fra ret- og pligttilbuddet %(title)s %(when)s. Begrundelse: %(reason)s"),
            name=member.full_name, title=title, when=LazyString(session_when, offer_session), reason=reason)
    session.flush()
    promote_waitlist(session, offer_session, now=now)
    return registration


def record_attendance(session: Session, registration: OfferRegistration, *, attended: bool,
                      hours: Decimal | float | str | None = None, actor: User, now: datetime,
                      note: str | None = None) -> OfferRegistration:
    """Check-in: attended or no-show. FVU courses record the hours completed (at most the course's hours, ≤ 60).

    Non-attendance of a right-and-duty offer is flagged to the member's caseworker.
    """
    _require_staff(actor)
    offer_session = lock_session(session, registration.session_id)
    session.refresh(registration)
    if registration.status not in (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED,
                                   RegistrationStatus.NO_SHOW):
        raise Conflict(_("Kun tilmeldte kan registreres som mødt eller udeblevet."))
    if now < offer_session.starts_at - CHECK_IN_OPENS:
        raise Conflict(_("Fremmøde kan først registreres fra en time før holdet begynder."))
    offer = offer_session.offer
    completion_note = kept_whole(note, COMPLETION_NOTE_MAX, field="note") if note is not None else None
    parsed_hours = _parse_hours(hours, offer) if attended else None
    if parsed_hours is None and attended and offer.kind == "fvu_course":
        raise ValidationFailed(_("Skriv hvor mange timer medlemmet har gennemført af FVU-kurset."), field="hours")
    was = registration.status
    outcome = RegistrationStatus.ATTENDED if attended else RegistrationStatus.NO_SHOW
    set_status(registration, offer_session, outcome, now)
    registration.attendance_recorded_at = now
    registration.attendance_by_user_id = actor.id
    registration.attended_hours = parsed_hours
    if note is not None:
        registration.completion_note = completion_note
    audit.record(session, actor, "offers.attendance", member_id=registration.member_id, target=registration,
                 detail={"attended": attended, "hours": str(parsed_hours) if parsed_hours is not None else None,
                         "before": was}, now=now)
    if not attended and registration.right_and_duty and was != RegistrationStatus.NO_SHOW:
        _flag_caseworker(session, registration, now, N_(
            "%(name)s mødte ikke op til ret- og pligttilbuddet %(title)s %(when)s."),
            name=registration.member.full_name, title=offer.title, when=LazyString(session_when, offer_session))
    return registration


def _parse_hours(hours, offer: Offer) -> Decimal | None:
    if hours in (None, ""):
        return None
    try:
        value = Decimal(str(hours).replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Antal timer skal være et tal, fx 37,5."), field="hours") from None
    limit = offer.course_hours or FVU_MAX_HOURS
    if value < 0 or value > limit:
        raise ValidationFailed(_("Antal timer skal være mellem 0 og %(limit)s.", limit=limit), field="hours")
    return value


def _flag_caseworker(session: Session, reg: OfferRegistration, now: datetime, message: str, **variables) -> None:
    """The member's own caseworker is told; without one, the caseworker who assigned the offer. `message`: a Danish
    source string (N_), written in that caseworker's language, whoever clicked (the member, staff of the offer)."""
    member = reg.member
    user = member.caseworker.user if member.caseworker else reg.assigned_by
    if user is not None:
        notifications.notify_in_language(session, user, message, link=f"/personale/tilbud/hold/{reg.session_id}",
                                         now=now, **variables)
    audit.record(session, SystemActor.SYSTEM, "offers.caseworker_flagged", member_id=member.id, target=reg,
                 detail={"notified_user_id": user.id if user is not None else None}, now=now)


def require_may_act_for(session: Session, actor: User, member: Member) -> None:
    """The casework rule (portal/services/access.py): caseworkers change their own location's members."""
    access.require_edit(access.staff_scope(session, actor), member)


def _require_staff(actor: Actor) -> None:
    if not isinstance(actor, User) or actor.role not in ("caseworker", "admin"):
        raise NotAllowed(_("Kun sagsbehandlere og administratorer kan gøre dette."))


__all__ = [
    "AlreadyRegistered",
    "NotOpenToMember",
    "Registration",
    "SessionClosed",
    "SessionFull",
    "assign_right_and_duty",
    "cancel_registration",
    "list_offers",
    "member_registrations",
    "open_sessions",
    "record_attendance",
    "register",
    "sessions_starting_between",
]


@dataclass
class CheckinList:
    """A session's check-in list for staff: who holds a seat (by name), who waits (in line), whose registration
    has ended; on an FVU course each participant's latest feedback and whose feedback can be recorded now."""

    seated: list[OfferRegistration]
    waiting: list[OfferRegistration]
    ended: list[OfferRegistration]
    feedback: dict
    feedback_allowed: set[int]
    check_in_open: bool


def open_checkin_list(session: Session, actor: Actor, offer_session: OfferSession, *, now: datetime) -> CheckinList:
    """The session's check-in and waiting list (a staff read of personal data: audited)."""
    regs = list(session.scalars(
        select(OfferRegistration).options(joinedload(OfferRegistration.member).joinedload(Member.caseworker))
        .where(OfferRegistration.session_id == offer_session.id)
        .order_by(OfferRegistration.status, OfferRegistration.waitlisted_at, OfferRegistration.id)))
    seated = sorted([r for r in regs if r.holds_seat], key=lambda r: (r.member.last_name, r.member.first_name))
    waiting = sorted([r for r in regs if r.status == RegistrationStatus.WAITLISTED], key=lambda r: r.id)
    is_fvu_course = offer_session.offer.kind == "fvu_course"
    feedback = fvu_feedback.latest_by_registration(session, [r.id for r in seated]) if is_fvu_course else {}
    audit.record(session, actor, "offers.checkin_list_viewed", target=offer_session, now=now,
                 detail={"members": len(regs), "fvu_feedback": len(feedback)})
    allowed = {r.id for r in seated if is_fvu_course and fvu_feedback.can_receive_feedback(r, now)}
    return CheckinList(seated, waiting, [r for r in regs if not r.live], feedback, allowed,
                       now >= offer_session.starts_at - CHECK_IN_OPENS)
