"""Seats and waiting lists of offer sessions: the row lock, seat accounting, held seats and their expiry.

pretix-style: every change to who holds a seat happens inside a transaction that first locks the session row
(SQLite: BEGIN IMMEDIATE, a serialised write transaction; PostgreSQL: SELECT … FOR UPDATE), then counts.
`offer_session.seats_taken` is kept here only, and a CHECK constraint refuses `seats_taken > capacity`, so even a
bug cannot overbook: the transaction fails and nothing is written.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal.config import value
from portal.i18n import format_local_datetime
from portal.models import User
from portal.models.offers import SEAT_STATUSES, OfferRegistration, OfferSession
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.booking import clashes
from portal.services.errors import Conflict, NotFound
from portal.services.minside_i18n import _, _l
from portal.services.offers import registration_state
from portal.services.offers.eligibility import offer_fits
from portal.services.offers.offer_messages import (
    WHEN,
    in_language_of,
    session_when,
    tell_member,
    tell_member_in_language,
    tell_registered,
)

DEFAULT_HOLD_HOURS = 24


def default_hold_hours() -> int:
    """PORTAL_OFFER_HOLD_HOURS (default 24): the hold given to new offers; each offer can change its own."""
    return max(1, min(168, int(value("OFFER_HOLD_HOURS"))))


def lock_session(session: Session, session_id: int) -> OfferSession:
    """Start (or join) the serialised write transaction for one session and return its fresh row."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        connection = session.connection()
        raw = connection.connection.driver_connection
        # pysqlite opens a transaction only before the first write; one already open means we hold the
        # write lock. Otherwise take it now, before reading, so no other writer can slip in between.
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        stmt = select(OfferSession)
    else:
        stmt = select(OfferSession).with_for_update()
    offer_session = session.scalar(
        stmt.where(OfferSession.id == session_id).execution_options(populate_existing=True)
    )
    if offer_session is None:
        raise NotFound(_("Holdet findes ikke."))
    return offer_session


def set_status(reg: OfferRegistration, offer_session: OfferSession, status: str, now: datetime) -> None:
    """Move a registration to `status`, keeping `seats_taken` in step (callers hold the session lock)."""
    before = reg.status in SEAT_STATUSES
    after = status in SEAT_STATUSES
    offer_session.seats_taken = (offer_session.seats_taken or 0) + (int(after) - int(before))
    reg.status = status
    reg.updated_at = now
    reg.sequence = (reg.sequence or 0) + 1
    if status != RegistrationStatus.OFFERED:
        reg.held_until = None


def waitlist_position(session: Session, reg: OfferRegistration) -> int | None:
    """1 for the first in line; None when not on the list.

    The line is in id order: ids are given inside the locked transaction, so they follow the order in which
    members really joined (a request's own clock, read before it waited for the lock, need not).
    """
    if reg.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        select(func.count()).select_from(OfferRegistration).where(
            OfferRegistration.session_id == reg.session_id,
            OfferRegistration.status == RegistrationStatus.WAITLISTED,
            OfferRegistration.id < reg.id,
        )
    )
    return (ahead or 0) + 1


def waitlist_length(session: Session, session_id: int) -> int:
    return session.scalar(select(func.count()).select_from(OfferRegistration).where(
        OfferRegistration.session_id == session_id, OfferRegistration.status == RegistrationStatus.WAITLISTED)) or 0


def promote_waitlist(session: Session, offer_session: OfferSession, *, now: datetime) -> list[OfferRegistration]:
    """Offer every free seat to the next in line, held for the offer's hold time; e-mail them in this transaction.

    The hold never runs past the session's start. Nothing is offered once the session has started or is cancelled.
    """
    offer_session = lock_session(session, offer_session.id)
    promoted: list[OfferRegistration] = []
    if offer_session.status != SessionStatus.OPEN or offer_session.starts_at <= now:
        return promoted
    hold = timedelta(hours=offer_session.offer.hold_hours or DEFAULT_HOLD_HOURS)
    while offer_session.seats_left > 0:
        reg = session.scalar(
            select(OfferRegistration).options(joinedload(OfferRegistration.member))
            .where(OfferRegistration.session_id == offer_session.id,
                   OfferRegistration.status == RegistrationStatus.WAITLISTED)
            .order_by(OfferRegistration.id).limit(1)
        )
        if reg is None:
            break
        if not offer_fits(offer_session.offer, reg.member):  # no seat held for one who cannot take it
            _end_place_not_open(session, reg, offer_session, now)
            continue
        set_status(reg, offer_session, RegistrationStatus.OFFERED, now)
        reg.held_until = min(now + hold, offer_session.starts_at)
        reg.hold_round = (reg.hold_round or 0) + 1
        session.flush()
        audit.record(session, SystemActor.SYSTEM, "offers.seat_offered", member_id=reg.member_id, target=reg,
                     detail={"session_id": offer_session.id, "held_until": reg.held_until.isoformat()}, now=now)
        _tell_seat_offered(session, reg, offer_session, now)
        promoted.append(reg)
    return promoted


def seats_offered_at(session: Session, session_id: int, now: datetime) -> int:
    """How many seats of the session `promote_waitlist` offered on at `now` (the moment of the action that freed them):
    what a member who just cancelled is told ("the seat goes to the next on the waiting list", or not)."""
    return session.scalar(select(func.count()).select_from(OfferRegistration).where(
        OfferRegistration.session_id == session_id, OfferRegistration.status == RegistrationStatus.OFFERED,
        OfferRegistration.updated_at == now)) or 0


def expire_held_seats(session: Session, now: datetime) -> int:
    """Held seats not accepted by `held_until` pass to the next in line, and so do held seats of members the offer
    is no longer open to (their status or target group changed since: they could not take it, and the next in line
    would wait out the hold). For the scheduler; the caller commits.

    Returns the number of held seats passed on.
    """
    held = session.scalars(
        select(OfferRegistration)
        .options(joinedload(OfferRegistration.member),
                 joinedload(OfferRegistration.offer_session).joinedload(OfferSession.offer))
        .where(OfferRegistration.status == RegistrationStatus.OFFERED)
    ).all()
    due = sorted({reg.session_id for reg in held
                  if reg.held_until <= now or not offer_fits(reg.offer_session.offer, reg.member)})
    passed_on = 0
    for session_id in due:
        offer_session = lock_session(session, session_id)
        regs = session.scalars(
            select(OfferRegistration).options(joinedload(OfferRegistration.member))
            .where(OfferRegistration.session_id == session_id, OfferRegistration.status == RegistrationStatus.OFFERED)
            .order_by(OfferRegistration.id)
            .execution_options(populate_existing=True)
        ).all()
        for reg in regs:
            if reg.held_until <= now:
                set_status(reg, offer_session, RegistrationStatus.EXPIRED, now)
                audit.record(session, SystemActor.SCHEDULER, "offers.hold_expired", member_id=reg.member_id,
                             target=reg, now=now)
                _tell_hold_expired(session, reg, offer_session, now)
            elif not offer_fits(offer_session.offer, reg.member):
                _end_place_not_open(session, reg, offer_session, now)
            else:
                continue
            passed_on += 1
        session.flush()
        promote_waitlist(session, offer_session, now=now)
    return passed_on


def _end_place_not_open(session: Session, reg: OfferRegistration, offer_session: OfferSession,
                        now: datetime) -> None:
    """A held seat or waiting-list place of a member the offer is no longer open to ends, and she is told why
    (as when she tries to take the seat: NOT_OPEN_ANY_MORE). The caller holds the session lock."""
    was_held = reg.status == RegistrationStatus.OFFERED
    set_status(reg, offer_session, RegistrationStatus.DECLINED, now)
    session.flush()
    audit.record(session, SystemActor.SYSTEM, "offers.seat_not_open", member_id=reg.member_id, target=reg,
                 detail={"session_id": offer_session.id, "offer_id": offer_session.offer_id,
                         "was": "held" if was_held else "waitlisted"}, now=now)
    title = offer_session.offer.title

    def words() -> dict:
        when = session_when(offer_session)
        if was_held:
            subject = _("Pladsen på %(title)s er givet videre", title=title)
            passed = _("Pladsen, vi holdt til dig på %(title)s %(when)s, er givet videre til den næste på ventelisten.",
                       title=title, when=when)
        else:
            subject = _("Du er ikke længere på ventelisten til %(title)s", title=title)
            passed = _("Din plads på ventelisten til %(title)s %(when)s er givet videre.", title=title, when=when)
        return {"subject": subject,
                "text": "\n\n".join((
                    _("Tilbuddet er ikke længere åbent for dig, fordi din situation hos os har ændret sig, siden du "
                      "skrev dig på ventelisten."), passed,
                    _("Spørg din sagsbehandler, hvis du mener, tilbuddet stadig passer til dig.")))}

    tell_member_in_language(session, reg.member, now, words, key=f"offer-not-open-{reg.id}-{reg.sequence}",
                            kind="offers.seat_not_open")


def accept_offered_seat(session: Session, registration: OfferRegistration, *, actor: Actor,
                        now: datetime) -> OfferRegistration:
    """The member takes the seat held for them (one click from Min side or the e-mail).

    The offer must still be open to her, as when she joined the list (`offer_fits`, the rule `register` asks): her
    status or target group may have changed since (a bulk update from the member register). If it is not, she is
    not registered: the seat goes to the next in line as when declined, and the registration comes back DECLINED;
    `seat_passed_on(registration)` is then true and `NOT_OPEN_ANY_MORE` says why. Refusals of any other kind
    raise and change nothing.
    """
    offer_session = lock_session(session, registration.session_id)
    session.refresh(registration)
    _own(registration, actor)
    if registration.status == RegistrationStatus.REGISTERED:
        raise Conflict(_("Du har allerede taget pladsen. Du er tilmeldt."))
    if registration.status != RegistrationStatus.OFFERED:
        raise Conflict(_("Pladsen er ikke længere holdt til dig. Du kan skrive dig på ventelisten igen."))
    if registration.held_until <= now:
        raise Conflict(_("Fristen for at tage pladsen er udløbet, og pladsen er givet videre."))
    if offer_session.starts_at <= now or offer_session.status != SessionStatus.OPEN:
        raise Conflict(_("Holdet er begyndt eller aflyst."))
    if not offer_fits(offer_session.offer, registration.member):
        return _pass_on_seat_not_open(session, registration, offer_session, actor=actor, now=now)
    clashes.refuse_clash(session, registration.member, offer_session.starts_at, offer_session.ends_at, actor=actor,
                         now=now, exclude_session_id=offer_session.id)
    set_status(registration, offer_session, RegistrationStatus.REGISTERED, now)
    registration.registered_at = now
    audit.record(session, actor, "offers.seat_accepted", member_id=registration.member_id, target=registration,
                 now=now)
    tell_registered(session, registration, now)
    return registration


# Why a held seat was not taken: the offer is no longer open to the member (see accept_offered_seat).
NOT_OPEN_ANY_MORE = _l("Tilbuddet er ikke længere åbent for dig, fordi din situation hos os har ændret sig, siden du "
                       "skrev dig på ventelisten. Pladsen er givet videre til den næste på ventelisten. Spørg din "
                       "sagsbehandler, hvis du mener, tilbuddet stadig passer til dig.")


def seat_passed_on(registration: OfferRegistration) -> bool:
    """After `accept_offered_seat`: the seat was passed on because the offer is no longer open to the member."""
    return registration.status == RegistrationStatus.DECLINED


def _pass_on_seat_not_open(session: Session, registration: OfferRegistration, offer_session: OfferSession, *,
                           actor: Actor, now: datetime) -> OfferRegistration:
    set_status(registration, offer_session, RegistrationStatus.DECLINED, now)
    audit.record(session, actor, "offers.seat_not_open", member_id=registration.member_id, target=registration,
                 detail={"session_id": offer_session.id, "offer_id": offer_session.offer_id}, now=now)
    session.flush()
    promote_waitlist(session, offer_session, now=now)
    return registration


def decline_offered_seat(session: Session, registration: OfferRegistration, *, actor: Actor,
                         now: datetime) -> OfferRegistration:
    """The member says no thanks to a held seat; it goes to the next in line at once."""
    offer_session = lock_session(session, registration.session_id)
    session.refresh(registration)
    _own(registration, actor)
    if registration.status != RegistrationStatus.OFFERED:
        raise Conflict(_("Der er ingen plads holdt til dig på dette hold."))
    set_status(registration, offer_session, RegistrationStatus.DECLINED, now)
    audit.record(session, actor, "offers.seat_declined", member_id=registration.member_id, target=registration,
                 now=now)
    session.flush()
    promote_waitlist(session, offer_session, now=now)
    return registration


def leave_waitlist(session: Session, registration: OfferRegistration, *, actor: Actor,
                   now: datetime) -> OfferRegistration:
    """The member leaves the waiting list (a held seat is declined the same way)."""
    if registration.status == RegistrationStatus.OFFERED:
        return decline_offered_seat(session, registration, actor=actor, now=now)
    lock_session(session, registration.session_id)
    session.refresh(registration)
    _own(registration, actor)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise Conflict(_("Du står ikke på ventelisten til dette hold."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = registration.updated_at = now
    audit.record(session, actor, "offers.waitlist_left", member_id=registration.member_id, target=registration,
                 now=now)
    return registration


# -- the one-click link in the e-mail ---------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="offer-seat-accept")


def accept_token(reg: OfferRegistration) -> str:
    """Signed link token naming the registration and its hold round: the next round makes old links void."""
    return _serializer().dumps({"r": reg.id, "n": reg.hold_round})


def registration_from_token(session: Session, token: str, *, max_age_hours: int = 168) -> OfferRegistration:
    """The registration a link names, if the signature holds and the link is not used or replaced."""
    try:
        data = _serializer().loads(token, max_age=max_age_hours * 3600)
    except SignatureExpired:
        raise Conflict(_("Linket er udløbet. Se dine tilmeldinger på Min side.")) from None
    except BadSignature:
        raise NotFound(_("Linket er ugyldigt. Se dine tilmeldinger på Min side.")) from None
    reg = session.get(OfferRegistration, data.get("r")) if isinstance(data, dict) else None
    if reg is None:
        raise NotFound(_("Linket er ugyldigt. Se dine tilmeldinger på Min side."))
    if reg.hold_round != data.get("n") or reg.status != RegistrationStatus.OFFERED:
        if reg.status == RegistrationStatus.REGISTERED and reg.hold_round == data.get("n"):
            raise Conflict(_("Linket er allerede brugt: du har taget pladsen og er tilmeldt."))
        raise Conflict(_("Linket er brugt eller udløbet. Se dine tilmeldinger på Min side."))
    return reg


# -- helpers --------------------------------------------------------------------------------------------------

def _own(reg: OfferRegistration, actor: Actor) -> None:
    if isinstance(actor, User) and actor.role == "member":
        member = actor.member
        if member is None or member.id != reg.member_id:
            raise NotFound(_("Tilmeldingen findes ikke."))


def base_url() -> str:
    return str(value("BASE_URL")).rstrip("/")


def _tell_hold_expired(session: Session, reg: OfferRegistration, offer_session: OfferSession, now: datetime):
    """In the member's language, whoever runs the job (tell_member_in_language)."""
    title = offer_session.offer.title

    def words() -> dict:
        return {"subject": _("Pladsen på %(title)s er givet videre", title=title),
                "text": "\n\n".join((
                    _("Du svarede ikke i tide, så pladsen på %(title)s %(when)s er givet videre til den næste på "
                      "ventelisten. Du kan stadig tilmelde dig et andet hold.",
                      title=title, when=session_when(offer_session)),
                    registration_state.status_line(reg.status)))}

    tell_member_in_language(session, reg.member, now, words, key=f"offer-hold-expired-{reg.id}-{reg.hold_round}",
                            kind="offers.hold_expired")


def _tell_seat_offered(session: Session, reg: OfferRegistration, offer_session: OfferSession, now: datetime):
    """In the next member's language, not that of the member who passed the seat on or of the job."""
    with in_language_of(reg.member):
        _seat_offered_message(session, reg, offer_session, now)


def _seat_offered_message(session: Session, reg: OfferRegistration, offer_session: OfferSession, now: datetime):
    from portal.services.links import external_url

    token = accept_token(reg)
    link = external_url("offers.accept_link", token=token)
    until = format_local_datetime(reg.held_until, WHEN)
    title = offer_session.offer.title
    text = _("Der er blevet en plads ledig på %(title)s %(when)s, og vi holder den til dig til %(until)s.\n\n"
             "Tag pladsen med ét klik (du logger ind først): %(link)s\n\n"
             "Du kan også tage den eller sige nej tak under Tilbud på Min side. Svarer du ikke, går pladsen "
             "videre til den næste på ventelisten.",
             title=title, when=session_when(offer_session), until=until, link=link)
    text = f"{text}\n\n{registration_state.status_line(reg.status)}"
    tell_member(session, reg.member, now, key=f"offer-seat-offered-{reg.id}-{reg.hold_round}",
                kind="offers.seat_offered", subject=_("Der er en plads til dig: %(title)s", title=title), text=text,
                note=_("Der er en plads til dig på %(title)s. Svar senest %(until)s.", title=title, until=until),
                link="/tilbud/mine")
