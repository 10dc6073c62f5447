"""Booking conversations: book, move, cancel, register the outcome; confirmations with .ics in the outbox.

Transactions: these functions do not commit; the caller (view, API, chatbot action) commits, so the booking, its
audit entries, outbox e-mail and notifications are written together or not at all. On SlotTaken/Conflict from the
database guard the session is left usable (the write ran in a savepoint), but callers should still roll back.

No double booking: `serialise_booking_writes` makes the check-and-write exclusive (SQLite: BEGIN IMMEDIATE;
PostgreSQL: an advisory lock, which also keeps concurrent exclusion checks from deadlocking); the database refuses
overlaps on both SQLite (triggers) and PostgreSQL (exclusion constraints), see portal/models/booking.py and
docs/booking.md. One person, one place: `clashes.refuse_clash` (conversations and offer seats never overlap).
"""
from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload

from portal.database import Count, Read, prepared
from portal.models import Booking, Caseworker, Member, ServiceLocation, User
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.statuses import BookingStatus, MemberStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.booking import clashes, fund_phone
from portal.services.booking.contact_course import course_start
from portal.services.booking.conversation_types import (
    TYPES,
    channel_label,
    conversation_type,
    format_when,
    rules,
)
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.booking.ics import Invitation, build_ics, calendar_attachment
from portal.services.booking.slots import check_slot
from portal.services.casework.referral import jobcenter_address
from portal.services.errors import (
    AlreadyBooked,
    Conflict,
    DomainError,
    NotAllowed,
    NotFound,
    SlotTaken,
    ValidationFailed,
)
from portal.services.form_values import parse_date, parse_time
from portal.services.messaging import notifications, outbox, reminder_keys
from portal.services.text_limits import one_line_breaks, refuse_control_characters
from portal.timeutil import LOCAL_TZ, local_to_utc

OUTCOMES = (BookingStatus.HELD, BookingStatus.NO_SHOW, BookingStatus.CANCELLED_FUND)
STAFF_ROLES = ("caseworker", "admin")
UID_DOMAIN = "portal.foa.dk"


# --- who may do what ---------------------------------------------------------------------------------------------

def is_staff(actor: Actor | None) -> bool:
    """Caseworkers, admins and the CLI act for the fund; members and the chatbot act for the member."""
    if isinstance(actor, str):
        return actor in (SystemActor.CLI, SystemActor.SCHEDULER)
    return actor is not None and actor.role in STAFF_ROLES


def _require_member_access(actor: Actor, member: Member) -> None:
    if is_staff(actor) or actor == SystemActor.CHATBOT:
        return
    if isinstance(actor, User) and actor.role == "member" and member.user_id == actor.id:
        return
    raise NotFound(_("Samtalen findes ikke."))  # another member's booking looks like nothing


# --- serialisation -----------------------------------------------------------------------------------------------

# PostgreSQL advisory lock key for booking writes ("FOA1"), and how long a writer waits for it.
BOOKING_WRITE_LOCK = 0x464F4131
LOCK_WAIT = "15s"  # below gunicorn's 30-second worker timeout: a busy portal answers "busy", never a killed worker


def serialise_booking_writes(session: Session) -> None:
    """Make this transaction the only booking writer until it ends.

    SQLite: start the transaction with BEGIN IMMEDIATE (the write lock is taken before the availability check, so
    two requests cannot both see a slot free). If the connection already wrote in this transaction it holds the
    write lock already. PostgreSQL: a transaction-scoped advisory lock. The exclusion constraints alone would
    decide who wins, but concurrent inserts that each wait for the other's exclusion check deadlock (the server
    then kills one after deadlock_timeout, which used to reach the member as a 500); one writer at a time has no
    cycles. Booking writes are a few milliseconds each, so the queue is short. A writer that waits longer than
    LOCK_WAIT (or SQLite's busy timeout) gets SlotTaken "busy, try again".
    """
    connection = session.connection()
    busy = _("Der er travlt lige nu. Prøv igen om et øjeblik.")
    if connection.dialect.name == "postgresql":
        try:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({BOOKING_WRITE_LOCK})")
            connection.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        except OperationalError as exc:  # lock_not_available: the transaction is aborted, the caller rolls back
            raise SlotTaken(busy) from exc
        return
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:  # busy beyond the timeout
            raise SlotTaken(busy) from exc


def _write(session: Session, booking: Booking) -> None:
    """Flush in a savepoint; the database's overlap guard turns into SlotTaken."""
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError as exc:
        text = str(exc.orig).lower()
        if "member_overlap" in text or "booking_overlap_member" in text:
            raise Conflict(_("Du har allerede en samtale på det tidspunkt.")) from exc
        if "overlap" in text:  # ex_booking_caseworker_overlap (PostgreSQL) / booking_overlap_caseworker (SQLite)
            raise SlotTaken(_("Tiden er lige blevet booket af en anden. Vælg en anden tid.")) from exc
        raise


# --- booking -----------------------------------------------------------------------------------------------------

NOTE_MAX = 500


def _member_note(note: str | None) -> str | None:
    """The member's "what would you like to talk about": kept whole or refused, never cut."""
    note = one_line_breaks(note or "").strip()
    refuse_control_characters(note, field="note", label=_("Din besked"))
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("Din besked må højst være %(max)d tegn. Den er %(n)d tegn nu; gør den kortere.",
                                 max=NOTE_MAX, n=len(note)), field="note")
    return note or None


def book_slot(session: Session, *, member: Member, caseworker_id: int, starts_at: datetime, type: str, channel: str,
              actor: Actor, now: datetime, with_jobcenter: bool = False, note: str | None = None,
              override_reason: str | None = None) -> Booking:
    """Book a conversation for `member`. Raises ValidationFailed / NotAllowed / SlotTaken / Conflict (Danish).

    Members (and the chatbot for a member) book their own, within notice and horizon; joint and round-table
    conversations and a third focus conversation need a caseworker. A member has at most one upcoming booked
    conversation of each type: a second is refused, naming the first (move that one instead); this stops the
    same conversation being booked again from another tab or the chat. Staff are not held to that rule: a
    caseworker may book a follow-up or a second conversation of a type on purpose. Does not commit.
    """
    ctype = conversation_type(type)
    staff = is_staff(actor)
    _require_member_access(actor, member)
    if not staff:
        _member_may_book(session, member, ctype)
    if ctype.with_jobcenter:
        with_jobcenter = True  # the joint and round-table conversations are with the job centre
    refusal = staff_type_refusal(member, ctype)
    if refusal:
        raise ValidationFailed(refusal, field="type")
    note = _member_note(note)
    serialise_booking_writes(session)
    slot = check_slot(session, ctype=ctype, caseworker_id=caseworker_id, starts_at=starts_at, channel=channel,
                      member=member, now=now, staff=staff)
    if not staff:  # after the write lock, so two tabs cannot both book the type
        refusal = already_booked_refusal(session, member, ctype, now=now)
        if refusal:
            raise AlreadyBooked(refusal)
    clashes.refuse_clash(session, member, slot.starts_at, slot.ends_at, actor=actor, now=now, staff=staff,
                         override_reason=override_reason)
    booking = Booking(
        uid=f"booking-{uuid.uuid4().hex}@{UID_DOMAIN}", member_id=member.id, caseworker_id=caseworker_id,
        location_id=slot.location_id, type=ctype.code, channel=channel, starts_at=slot.starts_at,
        ends_at=slot.ends_at, status=BookingStatus.BOOKED, sequence=0, with_jobcenter=with_jobcenter,
        meeting_link=rules().video_base_url + secrets.token_urlsafe(12) if channel == "video" else None,
        booked_by_user_id=actor.id if isinstance(actor, User) else None, created_at=now, updated_at=now,
        member_note=note,
    )
    _write(session, booking)
    audit.record(session, actor, "booking.create", member_id=member.id, target=booking, now=now, detail={
        "type": ctype.code, "channel": channel, "caseworker_id": caseworker_id,
        "starts_at": slot.starts_at.isoformat(), "with_jobcenter": with_jobcenter})
    _tell(session, booking, "created", actor=actor, now=now)
    return booking


def staff_type_refusal(member: Member, ctype) -> str | None:
    """Why this type cannot be booked for this member at all, by anyone (a Danish sentence), or None."""
    if ctype.for_statuses and member.status not in ctype.for_statuses:
        if ctype.code == "round_table":
            return _("En rundbordssamtale er for sygemeldte medlemmer og ledige, der kommer fra sygedagpenge. Vælg "
                     "en anden samtaletype.")
        return _("Samtalen om, hvordan man kommer videre, er for medlemmer i opsigelsesperioden. Vælg en anden "
                 "samtaletype.")
    return None


def member_booking_refusal(session: Session, member: Member, ctype) -> str | None:
    """Why the member may not book this type themselves (a Danish sentence), or None when they may."""
    if not ctype.member_bookable:
        if ctype.code == "round_table":
            return _("Rundbordssamtalen bookes af din sagsbehandler sammen med jobcentret.")
        return _("Fællessamtalen bookes af din sagsbehandler sammen med jobcentret.")
    if ctype.target_groups and member.target_group not in ctype.target_groups:
        return _("Fokussamtaler er for medlemmer i målgruppe 2. Book en opfølgning pr. telefon eller "
                 "video, eller kontakt din sagsbehandler.")
    if ctype.target_groups and member.status == MemberStatus.I_JOB:
        # The focus conversations are group 2's extra course on the way to a job (DOMAIN.md "Offers"): a member
        # back in work keeps the group from her last unemployment, not the course.
        return _("Fokussamtaler hører til det ekstra forløb for ledige i målgruppe 2, og det har du ikke, mens du "
                 "er i job. Book en opfølgning pr. telefon eller video, hvis du vil tale med os.")
    if ctype.statutory and member.status != MemberStatus.LEDIG:
        # The statutory conversations belong to the contact course, which only unemployed members have
        # (contact_course.course_start); a dismissed or sick-listed member has no deadlines with us.
        return _("%(type)s er en del af det lovpligtige kontaktforløb for ledige medlemmer, og det har du ikke nu. "
                 "Book en anden samtale, eller kontakt din sagsbehandler.", type=_(ctype.name))
    if ctype.member_statuses and member.status not in ctype.member_statuses:
        return _("Samtalen om, hvordan du kommer videre, er for medlemmer i opsigelsesperioden. Book en anden "
                 "samtale, eller kontakt din sagsbehandler.")
    if ctype.member_limit is not None:
        # The right to 2 focus conversations belongs to the current contact course (DOMAIN.md): a member who
        # returns to benefit has it again.
        first_day = course_start(member)
        values = {"member_id": member.id, "type": ctype.code}
        if first_day is not None:
            values["since"] = local_to_utc(datetime.combine(first_day, datetime.min.time()))
        if (session.scalar(_bookings_of_type_count(first_day is not None), values) or 0) >= ctype.member_limit:
            return _("Du har allerede booket eller haft dine %(n)s fokussamtaler. Kontakt din sagsbehandler, "
                     "hvis du har brug for endnu en.", n=ctype.member_limit)
    return None


@prepared
def _bookings_of_type_count(since: bool):
    """The member's booked, held and missed conversations of one type (since a moment, with `since`)."""
    query = select(func.count()).select_from(Booking).where(
        Booking.member_id == bindparam("member_id"), Booking.type == bindparam("type"),
        Booking.status.in_((BookingStatus.BOOKED, BookingStatus.HELD, BookingStatus.NO_SHOW)))
    return query.where(Booking.starts_at >= bindparam("since")) if since else query


def upcoming_booking_of_type(session: Session, member: Member, ctype, *, now: datetime) -> Booking | None:
    """The member's next booked conversation of this type that has not ended, or None."""
    return session.scalars(select(Booking).where(
        Booking.member_id == member.id, Booking.type == ctype.code, Booking.status == BookingStatus.BOOKED,
        Booking.ends_at > now).order_by(Booking.starts_at).limit(1)).first()


def upcoming_by_type(session: Session, member: Member, *, now: datetime) -> dict[str, Booking]:
    """The member's next booked conversation of each type that has not ended (type code → booking)."""
    bookings = session.scalars(select(Booking).where(
        Booking.member_id == member.id, Booking.status == BookingStatus.BOOKED, Booking.ends_at > now)
        .order_by(Booking.starts_at.desc()))
    return {booking.type: booking for booking in bookings}  # the earliest of a type is written last


def booking_in_the_way(session: Session, member: Member, ctype, *, now: datetime) -> Booking | None:
    """The member's upcoming booking that stops them booking this type again (`ctype.one_at_a_time`), or None."""
    return upcoming_booking_of_type(session, member, ctype, now=now) if ctype.one_at_a_time else None


def already_booked_refusal(session: Session, member: Member, ctype, *, now: datetime) -> str | None:
    """Why the member may not book this type again (a Danish sentence naming the booking they have), or None."""
    booking = booking_in_the_way(session, member, ctype, now=now)
    return already_booked_message(booking) if booking is not None else None


def already_booked_message(booking: Booking) -> str:
    """"You have this conversation already, move it instead", naming `booking` (the member's upcoming one)."""
    return _("Du har allerede en %(type)s %(when)s. Passer tiden ikke, så flyt den samtale i stedet for at booke "
             "en ny.", type=TYPES[booking.type].label_in_sentence, when=format_when(booking.starts_at))


def member_bookable_types(session: Session, member: Member) -> list:
    """The conversation types the member may book themselves, the ones for their status first (a dismissed
    member's own conversation before the follow-ups)."""
    types = [t for t in TYPES.values() if member_booking_refusal(session, member, t) is None]
    return sorted(types, key=lambda t: t.member_statuses is None)


@prepared
def _active_bookings():
    # One read of the member's booked and held conversations serves both the contact course and Min side's card of
    # upcoming appointments (with the caseworker and place the card names).
    return (select(Booking).options(joinedload(Booking.caseworker).joinedload(Caseworker.user),
                                    joinedload(Booking.location))
            .where(Booking.member_id == bindparam("member_id"), Booking.status.in_(ACTIVE_BOOKING_STATUSES))
            .order_by(Booking.starts_at, Booking.id))


def remaining_today(session: Session, caseworker_id: int, *, now: datetime, today: date) -> int:
    """The caseworker's booked conversations of today (local) not yet over (the staff badge "Samtaler i dag").

    Bounded on both sides of the (caseworker, starts_at) index: with only "before midnight tonight" the database
    read every past booking of the caseworker to check its end (0.4 ms on every staff page at 250,000 members)."""
    return remaining_today_count(caseworker_id, now=now, today=today).run(session)


def remaining_today_count(caseworker_id: int, *, now: datetime, today: date) -> Count:
    """`remaining_today` as a Count, to be run with others (the staff badges)."""
    morning = local_to_utc(datetime.combine(today, datetime.min.time()))
    tonight = local_to_utc(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    return Count(("booking.remaining_today",), _remaining_today(), {
        "today_caseworker_id": caseworker_id, "today_now": now, "today_morning": morning, "today_tonight": tonight})


@prepared
def _remaining_today():
    return select(func.count()).select_from(Booking).where(
        Booking.caseworker_id == bindparam("today_caseworker_id"), Booking.status == BookingStatus.BOOKED,
        Booking.ends_at > bindparam("today_now"), Booking.starts_at >= bindparam("today_morning"),
        Booking.starts_at < bindparam("today_tonight"))


def member_active_bookings(session: Session, member: Member) -> list[Booking]:
    """The member's booked and held conversations, earliest first (one statement)."""
    return list(session.scalars(_active_bookings(), {"member_id": member.id}).unique().all())


def member_active_booking_lines(session: Session, member: Member) -> list[tuple]:
    """`member_active_bookings` as rows of what the contact course and Min side's card read: id, type, status,
    starts_at, ends_at, created_at, channel, location_name, caseworker_name (no ORM objects: issue 19)."""
    return active_booking_lines_read(member).lines(session)


def active_booking_lines_read(member: Member) -> Read:
    return Read(_active_booking_lines(), {"member_id": member.id})


@prepared
def _active_booking_lines():
    return (select(Booking.id, Booking.type, Booking.status, Booking.starts_at, Booking.ends_at, Booking.created_at,
                   Booking.channel, ServiceLocation.name.label("location_name"),
                   User.display_name.label("caseworker_name"))
            .join(ServiceLocation, ServiceLocation.id == Booking.location_id)
            .join(Caseworker, Caseworker.id == Booking.caseworker_id).join(User, User.id == Caseworker.user_id)
            .where(Booking.member_id == bindparam("member_id"), Booking.status.in_(ACTIVE_BOOKING_STATUSES))
            .order_by(Booking.starts_at, Booking.id))


def upcoming_booked(bookings: list[Booking], now: datetime, *, limit: int = 5) -> list[Booking]:
    """Of `bookings` (earliest first), the booked ones not over yet: Min side's next appointments."""
    return [b for b in bookings if b.status == BookingStatus.BOOKED and b.ends_at >= now][:limit]


def member_channel(member: Member, ctype, asked: str | None, *, moving: Booking | None = None) -> str:
    """The channel a member's booking is held on: the one asked for (else the moved booking's) if the type can be
    held that way; otherwise the member's preferred channel if it can, else the type's first."""
    channel = asked or (moving.channel if moving else None)
    if channel in ctype.channels:
        return channel
    return member.preferred_channel if member.preferred_channel in ctype.channels else ctype.channels[0]


def _member_may_book(session: Session, member: Member, ctype) -> None:
    refusal = member_booking_refusal(session, member, ctype)
    if refusal:
        raise NotAllowed(refusal)


def _change_refusal(booking: Booking, *, staff: bool, now: datetime, verb: str) -> DomainError | None:
    """Why `booking` cannot be moved (verb "move") or cancelled ("cancel") now, or None. Its state: 409 Conflict
    (the actor may act, but not now). A type only a caseworker books (joint, round table: arranged with the job
    centre) is moved or cancelled only by staff: NotAllowed for the member and the chatbot."""
    if booking.status in (BookingStatus.CANCELLED_MEMBER, BookingStatus.CANCELLED_FUND):
        if verb == "move":
            return Conflict(_("Samtalen er aflyst og kan ikke flyttes. Book en ny samtale i stedet."))
        return Conflict(_("Samtalen er allerede aflyst."))
    if booking.status != BookingStatus.BOOKED:
        return Conflict(_("Samtalen er ikke længere booket og kan ikke ændres."))
    if booking.starts_at <= now:
        return Conflict(_("Samtalen er begyndt eller holdt og kan ikke ændres."))
    if staff:
        return None
    if not TYPES[booking.type].member_bookable:
        return NotAllowed(_("Samtalen er aftalt af din sagsbehandler sammen med jobcentret, så du kan ikke selv "
                            "flytte eller aflyse den. Passer tiden ikke, så kontakt din sagsbehandler."))
    min_notice = rules().min_notice  # read from the settings once (≈ 20 µs; a reminder run asks for every booking)
    if booking.starts_at - now < min_notice:
        hours = int(min_notice.total_seconds() // 3600)
        if verb == "move":
            return Conflict(_("Samtalen starter om mindre end %(hours)s timer og kan ikke flyttes her.", hours=hours)
                            + " " + _call_if_you_cannot_come())
        return Conflict(_("Samtalen starter om mindre end %(hours)s timer og kan ikke aflyses her.", hours=hours)
                        + " " + _call_if_you_cannot_come())
    return None


def _call_if_you_cannot_come() -> str:
    phone = fund_phone.number()
    if phone:
        return _("Ring til a-kassen på %(phone)s, hvis du ikke kan komme.", phone=phone)
    return _("Ring til a-kassen, hvis du ikke kan komme.")


def _require_changeable(booking: Booking, actor: Actor, now: datetime, verb: str) -> None:
    refusal = _change_refusal(booking, staff=is_staff(actor), now=now, verb=verb)
    if refusal is not None:
        raise refusal


def member_change_refusal(booking: Booking, now: datetime, verb: str = "move") -> str | None:
    """Why the member may not move (or cancel) `booking` themselves now (a Danish sentence), or None."""
    refusal = _change_refusal(booking, staff=False, now=now, verb=verb)
    return refusal.message if refusal is not None else None


REASON_MAX = 500


def _reason_within_limit(reason: str | None) -> str | None:
    """A caseworker's reason (the member is told it): kept whole or refused with the limit, never cut."""
    reason = one_line_breaks(reason or "").strip()
    refuse_control_characters(reason, field="reason", label=_("Begrundelsen"))
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("Begrundelsen må højst være %(max)d tegn. Den er %(n)d tegn nu; gør den kortere.",
                                 max=REASON_MAX, n=len(reason)), field="reason")
    return reason or None


def _staff_reason(actor: Actor, reason: str | None) -> str | None:
    reason = _reason_within_limit(reason)
    if is_staff(actor) and not reason and not isinstance(actor, str):
        raise ValidationFailed(_("Skriv en begrundelse. Medlemmet får den at vide."), field="reason")
    return reason


def reschedule_booking(session: Session, booking: Booking, *, starts_at: datetime, actor: Actor, now: datetime,
                       reason: str | None = None, channel: str | None = None,
                       override_reason: str | None = None) -> Booking:
    """Move a booked conversation to a new start (same caseworker; optionally another allowed channel)."""
    _require_member_access(actor, booking.member)
    _require_changeable(booking, actor, now, "move")
    reason = _staff_reason(actor, reason)
    channel = channel or booking.channel
    if starts_at == booking.starts_at and channel == booking.channel:
        raise ValidationFailed(_("Samtalen ligger allerede på det tidspunkt. Vælg en anden tid, hvis du vil flytte "
                                 "den."), field="starts_at")
    ctype = TYPES[booking.type]
    serialise_booking_writes(session)
    old = booking.starts_at
    slot = check_slot(session, ctype=ctype, caseworker_id=booking.caseworker_id, starts_at=starts_at,
                      channel=channel, member=booking.member, now=now, staff=is_staff(actor),
                      exclude_booking_id=booking.id)
    clashes.refuse_clash(session, booking.member, slot.starts_at, slot.ends_at, actor=actor, now=now,
                         staff=is_staff(actor), override_reason=override_reason, exclude_booking_id=booking.id)
    booking.starts_at, booking.ends_at, booking.location_id = slot.starts_at, slot.ends_at, slot.location_id
    if channel != booking.channel:
        booking.channel = channel
        booking.meeting_link = rules().video_base_url + secrets.token_urlsafe(12) if channel == "video" else None
    booking.sequence += 1
    booking.updated_at = now
    _write(session, booking)
    audit.record(session, actor, "booking.reschedule", member_id=booking.member_id, target=booking, now=now,
                 reason=reason, detail={"from": old.isoformat(), "to": slot.starts_at.isoformat(),
                                        "channel": channel})
    _tell(session, booking, "moved", actor=actor, now=now, reason=reason, old_start=old)
    return booking


def reassign_booking(session: Session, booking: Booking, *, caseworker_id: int, actor: Actor,
                     now: datetime) -> Booking:
    """Give a booked conversation to another caseworker at the same time and place (a leaver's calendar handed on,
    portal.services.casework.reassignment); staff only. The new caseworker must be free then (their hours,
    bookings and buffers, as for a new booking) and, for a conversation in person, working at the booking's place;
    otherwise a DomainError says why and nothing changes. The member is told who they will meet."""
    if not is_staff(actor):
        raise NotAllowed(_("Kun a-kassens medarbejdere kan give en samtale til en anden sagsbehandler."))
    _require_changeable(booking, actor, now, "move")
    if caseworker_id == booking.caseworker_id:
        raise ValidationFailed(_("Samtalen ligger allerede hos den sagsbehandler."), field="caseworker_id")
    serialise_booking_writes(session)
    slot = check_slot(session, ctype=TYPES[booking.type], caseworker_id=caseworker_id, starts_at=booking.starts_at,
                      channel=booking.channel, member=booking.member, now=now, staff=True,
                      exclude_booking_id=booking.id)
    if booking.channel == "in_person" and slot.location_id != booking.location_id:
        raise Conflict(_("%(name)s arbejder et andet sted på det tidspunkt, og samtalen er med fremmøde.",
                         name=slot.caseworker_name))
    previous = booking.caseworker_id
    booking.caseworker = session.get(Caseworker, caseworker_id)
    booking.sequence += 1
    booking.updated_at = now
    _write(session, booking)
    audit.record(session, actor, "booking.reassign", member_id=booking.member_id, target=booking, now=now,
                 detail={"from_caseworker_id": previous, "to_caseworker_id": caseworker_id})
    _tell(session, booking, "reassigned", actor=actor, now=now)
    return booking


def cancel_booking(session: Session, booking: Booking, *, actor: Actor, now: datetime,
                   reason: str | None = None) -> Booking:
    """Cancel: a member up to the minimum notice; the fund any time before the start, with a reason."""
    _require_member_access(actor, booking.member)
    _require_changeable(booking, actor, now, "cancel")
    reason = _staff_reason(actor, reason)
    booking.status = BookingStatus.CANCELLED_FUND if is_staff(actor) else BookingStatus.CANCELLED_MEMBER
    booking.cancel_reason = reason
    booking.sequence += 1
    booking.updated_at = now
    session.flush()
    audit.record(session, actor, "booking.cancel", member_id=booking.member_id, target=booking, now=now,
                 reason=reason, detail={"status": booking.status})
    _tell(session, booking, "cancelled", actor=actor, now=now, reason=reason)
    return booking


def register_outcome(session: Session, booking: Booking, *, outcome: str, actor: Actor, now: datetime,
                     reason: str | None = None) -> Booking:
    """Held / no-show (after the start) or cancelled by the fund; staff only. A wrong outcome can be corrected."""
    if not is_staff(actor):
        raise NotAllowed(_("Kun a-kassens medarbejdere kan registrere udfaldet af en samtale."))
    if outcome not in OUTCOMES:
        raise ValidationFailed(_("Vælg afholdt, udeblevet eller aflyst af a-kassen."), field="outcome")
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.HELD, BookingStatus.NO_SHOW):
        raise Conflict(_("Samtalen er aflyst; udfaldet kan ikke registreres."))
    if outcome == BookingStatus.CANCELLED_FUND and booking.starts_at > now:
        return cancel_booking(session, booking, actor=actor, now=now, reason=reason or _("Aflyst af a-kassen."))
    if outcome in (BookingStatus.HELD, BookingStatus.NO_SHOW) and booking.starts_at > now:
        raise ValidationFailed(_("Samtalen er ikke begyndt endnu."), field="outcome")
    cancel_reason = _reason_within_limit(reason) if outcome == BookingStatus.CANCELLED_FUND else None
    previous = booking.status
    booking.status = outcome
    booking.outcome_registered_at = now
    booking.updated_at = now
    if outcome == BookingStatus.CANCELLED_FUND:
        booking.cancel_reason = cancel_reason
    session.flush()
    audit.record(session, actor, "booking.outcome", member_id=booking.member_id, target=booking, now=now,
                 detail={"outcome": outcome, "previous": previous})
    from portal.services.jobcentre import (
        joint_conversation,  # the job-centre exchange (issue 16), as in _tell
    )

    joint_conversation.conversation_over(session, booking, actor, now)
    return booking


def staff_booking_action(session: Session, booking: Booking, action: str | None, fields: Mapping[str, str], *,
                         actor: Actor, now: datetime) -> str:
    """Register the outcome of, move or cancel `booking` as `action` ("outcome", "move", "cancel") says, with the
    form's `fields`; returns what to tell the caseworker. ValidationFailed for any other action."""
    if action == "outcome":
        register_outcome(session, booking, outcome=fields.get("outcome", ""), actor=actor, now=now,
                         reason=fields.get("reason"))
        return _("Udfaldet er registreret.")
    if action == "move":
        day = parse_date(fields.get("day"), None, "day")
        at = parse_time(fields.get("time"), "time")
        if day is None or at is None:
            raise ValidationFailed(_("Angiv ny dato og tid."), field="day")
        starts_at = datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)
        reschedule_booking(session, booking, starts_at=starts_at, actor=actor, now=now, reason=fields.get("reason"),
                           override_reason=fields.get("override_reason"))
        return _("Samtalen er flyttet, og medlemmet har fået besked med begrundelsen.")
    if action == "cancel":
        cancel_booking(session, booking, actor=actor, now=now, reason=fields.get("reason"))
        return _("Samtalen er aflyst, og medlemmet har fået besked med begrundelsen.")
    raise ValidationFailed(_("Ukendt handling."))


def member_bookings(session: Session, member: Member, *, upcoming_only: bool = False, now: datetime,
                    with_staff_and_place: bool = True) -> list[Booking]:
    """The member's bookings by start time; upcoming_only: booked ones not yet ended. `with_staff_and_place=False`
    for a page that shows neither the caseworker nor the place (fewer joins)."""
    return list(session.scalars(_bookings_of_member(upcoming_only, with_staff_and_place),
                                {"member_id": member.id, "now": now}))


def member_bookings_read(member: Member, *, now: datetime, with_staff_and_place: bool = True) -> Read:
    """`member_bookings`' statement (all of them), for portal.read_ahead."""
    return Read(_bookings_of_member(False, with_staff_and_place), {"member_id": member.id, "now": now},
                executed=True)


@prepared
def _bookings_of_member(upcoming_only: bool, with_staff_and_place: bool):
    query = select(Booking).where(Booking.member_id == bindparam("member_id"))
    if with_staff_and_place:
        # Each booking has at most one caseworker, user and place: joined in the same statement (issue 19: it was
        # four statements, selectin-loaded).
        query = query.options(joinedload(Booking.caseworker).joinedload(Caseworker.user),
                              joinedload(Booking.location))
    if upcoming_only:
        query = (query.where(Booking.status == BookingStatus.BOOKED, Booking.ends_at > bindparam("now"))
                 .order_by(Booking.starts_at))
    else:
        query = query.order_by(Booking.starts_at.desc())
    return query


def upcoming_and_past(bookings: list[Booking], now: datetime) -> tuple[list[Booking], list[Booking]]:
    """The member's booked conversations still to come (soonest first), and the rest in the order given."""
    upcoming = sorted((b for b in bookings if b.status == BookingStatus.BOOKED and b.ends_at > now),
                      key=lambda b: b.starts_at)
    return upcoming, [b for b in bookings if b not in upcoming]


def member_may_change(booking: Booking, now: datetime) -> bool:
    """The member may still move or cancel the booking themselves: booked, of a type they book themselves, and at
    least the minimum notice away (closer than that they must call; _require_changeable refuses it)."""
    return member_change_refusal(booking, now) is None


# -- a staff member's reads of the calendar and of a member (personal data: each read is audited) ----------------
def record_calendar_view(session: Session, actor: Actor, caseworker: Caseworker, days: list, bookings: list[Booking],
                         *, now: datetime) -> None:
    """A staff member looked at `caseworker`'s calendar for `days` showing `bookings`."""
    audit.record(session, actor, "booking.calendar_view", now=now, detail={
        "caseworker_id": caseworker.id, "from": days[0].isoformat(), "days": len(days), "bookings": len(bookings)})


def record_booking_view(session: Session, actor: Actor, booking: Booking, *, now: datetime) -> None:
    """A staff member opened `booking`."""
    audit.record(session, actor, "booking.view", member_id=booking.member_id, target=booking, now=now)


def record_member_lookup(session: Session, actor: Actor, member: Member, *, now: datetime) -> None:
    """A staff member looked `member` up by number to book for them (and saw their free times)."""
    audit.record(session, actor, "booking.member_lookup", member_id=member.id, now=now)


@prepared
def _caseworker_bookings():
    return (select(Booking).where(Booking.caseworker_id == bindparam("caseworker_id"),
                                  Booking.starts_at < bindparam("end"), Booking.ends_at > bindparam("start"))
            .options(joinedload(Booking.member))
            .order_by(Booking.starts_at))


def caseworker_bookings(session: Session, caseworker_id: int, start: datetime, end: datetime) -> list[Booking]:
    """The caseworker's calendar between start and end, with each booking's member (one statement)."""
    return list(session.scalars(_caseworker_bookings(),
                                {"caseworker_id": caseworker_id, "start": start, "end": end}))


# --- confirmations -----------------------------------------------------------------------------------------------

def _where(booking: Booking) -> str:
    if booking.channel == "video":
        return _("Video: %(link)s", link=booking.meeting_link or "")
    if booking.channel == "phone":
        return _("Telefon: din sagsbehandler ringer til dig")
    return _("Fremmøde: FOA A-kasse, %(place)s", place=booking.location.name)


def _invitation(booking: Booking) -> Invitation:
    ctype = TYPES[booking.type]
    member = booking.member
    description = [str(ctype.label), _("Sagsbehandler: %(name)s", name=booking.caseworker.user.display_name),
                   _where(booking)]
    if booking.with_jobcenter:
        description.append(_("Jobcentret deltager."))
    if booking.cancel_reason:
        description.append(_("Begrundelse: %(reason)s", reason=booking.cancel_reason))
    return Invitation(
        uid=booking.uid, sequence=booking.sequence, starts_at=booking.starts_at, ends_at=booking.ends_at,
        summary=_("%(type)s med FOA A-kasse", type=ctype.label), description="\n".join(description),
        location=booking.location.name if booking.channel == "in_person" else channel_label(booking.channel),
        url=booking.meeting_link, attendee_email=member.email, attendee_name=member.full_name,
    )


def booking_ics(booking: Booking, now: datetime) -> bytes:
    """The booking's current invitation: METHOD REQUEST while active, CANCEL when cancelled."""
    method = "CANCEL" if booking.status in (BookingStatus.CANCELLED_MEMBER, BookingStatus.CANCELLED_FUND) else "REQUEST"
    return build_ics(_invitation(booking), method=method, now=now)


def _tell(session: Session, booking: Booking, kind: str, *, actor: Actor, now: datetime, reason: str | None = None,
          old_start: datetime | None = None) -> None:
    """E-mail with .ics to the member (and the job centre for a joint conversation); in-app notes to the other
    party: the member when the fund changed something, the caseworker when the member did. Each text is written in
    its reader's language (the member's correspondence language, the caseworker's UI language, Danish for the job
    centre), not in the language of whoever clicked."""
    key = f"booking-{booking.id}-{booking.sequence}-{kind}"
    if kind != "created":  # the reminders queued for the old time (or caseworker) are not sent; new ones follow
        reminder_keys.stop_booking_reminders(session, booking.id, now=now)
    if booking.member.email:
        with force_locale(_member_language(booking.member)):
            email = _member_email_message(booking, kind, reason, old_start)
            ics = booking_ics(booking, now)
        outbox.enqueue(session, idempotency_key=key, kind=f"booking_{kind}", to_address=booking.member.email,
                       subject=email.subject, body_text=email.text, body_html=email.html,
                       member_id=booking.member_id, now=now, attachments=[calendar_attachment("samtale.ics", ics)])
    _tell_by_sms(session, booking, kind, key=key + "-sms", now=now, old_start=old_start)
    if booking.with_jobcenter:
        with force_locale("da"):  # the job centre's correspondence is Danish
            subject = _member_email(booking, kind, reason, old_start)[0]
            body = _("%(type)s for medlem %(number)s %(when)s. %(where)s", type=TYPES[booking.type].label,
                     number=booking.member.member_number, when=format_when(booking.starts_at), where=_where(booking))
            ics = booking_ics(booking, now)
        outbox.enqueue(session, idempotency_key=key + "-jobcenter", kind=f"booking_{kind}_jobcenter",
                       channel="jobcenter", to_address=jobcenter_address(session, booking.member), subject=subject,
                       body_text=body, member_id=booking.member_id, now=now,
                       attachments=[calendar_attachment("samtale.ics", ics)])
        from portal.services.jobcentre import (
            joint_conversation,  # the job-centre exchange (issue 16): it answers there
        )

        if kind != "reassigned":  # the same time and place: nothing for the job centre to answer again
            joint_conversation.booking_changed(session, booking, kind, subject=subject, body=body, now=now)
    if is_staff(actor) and booking.member.user_id:
        language = booking.member.user.locale or "da"
        with force_locale(language):
            text = _note(booking, kind, reason)
        notifications.notify(session, booking.member.user_id, text, link="/samtaler/mine", now=now,
                             language=language)
    if not is_staff(actor):
        language = booking.caseworker.user.locale or "da"
        with force_locale(language):
            text = _note(booking, kind, reason)
        notifications.notify(session, booking.caseworker.user_id, f"{booking.member.full_name}: {text}",
                             link=f"/kalender/samtale/{booking.id}", now=now, language=language)


def _tell_by_sms(session: Session, booking: Booking, kind: str, *, key: str, now: datetime,
                 old_start: datetime | None = None) -> None:
    """The same news by SMS (the e-mail's subject and place; a move also says the old time, in the e-mail's words)
    when the member has a valid Danish number and the SMS channel is on (sms.available()); otherwise nothing is
    written, so nothing waits for a gateway that is not there. Its own idempotency key beside the e-mail's."""
    from portal.services.messaging import sms

    number = sms.parse_danish_phone(booking.member.phone)
    if number is None or not sms.available():
        return
    with force_locale(_member_language(booking.member)):
        subject = _member_email(booking, kind, None, old_start)[0]
        if kind == "moved" and old_start is not None:
            text = f"{_moved_line(booking, old_start)} {_where(booking)}"
        else:
            text = str(subject) if kind == "cancelled" else f"{subject}. {_where(booking)}"
    outbox.enqueue(session, idempotency_key=key, kind=f"booking_{kind}", channel="sms", to_address=number,
                   subject=str(subject), body_text=text, member_id=booking.member_id, now=now)


def _member_language(member: Member) -> str:
    return member.language if member.language in ("da", "en") else "da"


def _moved_line(booking: Booking, old_start: datetime) -> str:
    return _("Din %(type)s er flyttet fra %(old)s til %(when)s.", type=str(TYPES[booking.type].label).lower(),
             old=format_when(old_start), when=format_when(booking.starts_at))


def _member_email_message(booking: Booking, kind: str, reason: str | None, old_start: datetime | None):
    """The member's e-mail (subject, text and the HTML part in the reminders' layout, with a link to their
    bookings on Min side), in the current locale."""
    from portal.services.links import external_url
    from portal.services.messaging.email_render import current_email_language, render_paragraphs

    subject, body = _member_email(booking, kind, reason, old_start)
    link = external_url("booking.member_bookings")
    paragraphs, _sep, regards = body.rpartition("\n\n")
    see = _("Se dine samtaler på Min side")
    text = f"{paragraphs}\n\n{see}: {link}\n\n{regards}"
    return render_paragraphs(subject, [p.split("\n") for p in paragraphs.split("\n\n")], current_email_language(),
                             text=text, button=(link, see), closing=regards.split("\n"))


def _member_email(booking: Booking, kind: str, reason: str | None, old_start: datetime | None) -> tuple[str, str]:
    """Subject and body of the member's e-mail, in the current locale."""
    ctype = TYPES[booking.type]
    when = format_when(booking.starts_at)
    subject = {
        "created": _("Bekræftelse: %(type)s %(when)s", type=ctype.label, when=when),
        "moved": _("Din samtale er flyttet: %(type)s %(when)s", type=ctype.label, when=when),
        "cancelled": _("Aflyst: %(type)s %(when)s", type=ctype.label, when=when),
        "reassigned": _("Ny sagsbehandler: %(type)s %(when)s", type=ctype.label, when=when),
    }[kind]
    lines = [_("Kære %(name)s", name=booking.member.first_name), ""]
    if kind == "created":
        lines.append(_("Du har en %(type)s %(when)s.", type=str(ctype.label).lower(), when=when))
    elif kind == "moved" and old_start is not None:
        lines.append(_moved_line(booking, old_start))
    elif kind == "moved":
        lines.append(_("%(type)s er flyttet til %(when)s.", type=ctype.label, when=when))
    elif kind == "reassigned":
        lines.append(_("Din %(type)s %(when)s holdes nu af %(name)s. Tid og sted er de samme.",
                       type=str(ctype.label).lower(), when=when, name=booking.caseworker.user.display_name))
    else:
        lines.append(_("Din %(type)s %(when)s er aflyst.", type=str(ctype.label).lower(), when=when))
    if reason:
        lines.append(_("Begrundelse: %(reason)s", reason=reason))
    if kind != "cancelled":
        lines += [_where(booking), _("Sagsbehandler: %(name)s", name=booking.caseworker.user.display_name)]
        if booking.with_jobcenter:
            lines.append(_("Jobcentret deltager i samtalen."))
        if ctype.member_bookable:
            lines.append(_("Du kan flytte eller aflyse samtalen på Min side indtil %(hours)s timer før.",
                           hours=int(rules().min_notice.total_seconds() // 3600)))
        else:  # arranged with the job centre: only the caseworker moves it (_change_refusal)
            lines.append(_("Tiden er aftalt med jobcentret. Passer den ikke, så kontakt din sagsbehandler."))
    if kind == "cancelled":  # the attached .ics is a CANCEL: opening it takes the conversation out of the calendar
        lines += ["", _("Aflysningen er vedhæftet som kalenderfil (samtale.ics): åbn den, så fjernes samtalen fra din "
                        "kalender.")]
    else:
        lines += ["", _("Kalenderinvitationen er vedhæftet.")]
    lines += ["", _("Venlig hilsen") + "\n" + _("FOA A-kasse")]
    return str(subject), "\n".join(lines)


def _note(booking: Booking, kind: str, reason: str | None) -> str:
    """The in-app notification text, in the current locale."""
    ctype, when = TYPES[booking.type], format_when(booking.starts_at)
    text = {"created": _("%(type)s %(when)s er booket.", type=ctype.label, when=when),
            "moved": _("%(type)s er flyttet til %(when)s.", type=ctype.label, when=when),
            "cancelled": _("%(type)s %(when)s er aflyst.", type=ctype.label, when=when),
            "reassigned": _("%(type)s %(when)s holdes nu af %(name)s.", type=ctype.label, when=when,
                            name=booking.caseworker.user.display_name)}[kind]
    if reason:
        text += " " + _("Begrundelse: %(reason)s", reason=reason)
    return text
