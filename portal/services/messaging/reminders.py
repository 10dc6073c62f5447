"""Reminders before conversations and offer sessions (default 24 hours before), with the .ics and the video link.

One reminder per booking and time: the idempotency key names the booking, its iCalendar SEQUENCE (bumped when
it is moved) and the lead time, so running the job twice sends one e-mail, and a moved booking gets a new one.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from portal.models import Booking, Caseworker, Member
from portal.models.statuses import BookingStatus, RegistrationStatus
from portal.services.booking import fund_phone
from portal.services.booking.booking import booking_ics, member_may_change
from portal.services.booking.conversation_types import TYPES
from portal.services.booking.ics import calendar_attachment
from portal.services.links import external_url
from portal.services.messaging import outbox, sms
from portal.services.messaging.email_render import (
    EmailTemplate,
    email_language,
    forced_language,
    render_email,
)
from portal.services.messaging.reminder_keys import booking_reminder_key, session_reminder_key
from portal.services.offers.offer_messages import place_text, session_ics
from portal.services.offers.offers import sessions_starting_between

DEFAULT_HOURS = 24
# A booking made shortly before it starts already got its confirmation; a reminder on top is noise.
MIN_NOTICE = timedelta(hours=6)
CHUNK = 1000


def due_booking_reminders(session: Session, *, now: datetime, hours: int = DEFAULT_HOURS,
                          chunk: int = CHUNK) -> Iterator[list[Booking]]:
    """Booked conversations starting within the next `hours`, in chunks (keyset on starts_at, id).

    Excludes bookings made less than MIN_NOTICE before their start and members without an e-mail address.
    Uses ix_booking_starts_status: the keyset is written as a range on starts_at (`>=`) plus a filter, which the
    index answers and stops after `chunk` rows. Written as `starts_at > … OR (starts_at = … AND id > …)`, SQLite
    read every booking to the end of the window for each chunk and sorted them all (issue 19). The member comes
    from the statement's own join (contains_eager), not a second join of the same table.
    """
    end = now + timedelta(hours=hours)
    after = (now, 0)
    while True:
        rows = list(session.scalars(
            select(Booking)
            .join(Member, Member.id == Booking.member_id)
            .options(contains_eager(Booking.member), joinedload(Booking.location),
                     joinedload(Booking.caseworker).joinedload(Caseworker.user))
            .where(Booking.status == BookingStatus.BOOKED, Booking.starts_at <= end, Member.email.is_not(None),
                   Booking.starts_at >= after[0], (Booking.starts_at > after[0]) | (Booking.id > after[1]))
            .order_by(Booking.starts_at, Booking.id)
            .limit(chunk)
        ).unique())
        if not rows:
            return
        after = (rows[-1].starts_at, rows[-1].id)
        yield [b for b in rows if b.starts_at - b.created_at >= MIN_NOTICE]


def enqueue_booking_reminders(session: Session, *, now: datetime, hours: int = DEFAULT_HOURS,
                              chunk: int = CHUNK) -> dict:
    """Write one reminder per due booking to the outbox. Commits after each chunk (a crash keeps what was done,
    and the next run skips it by key). Returns counts."""
    counts = {"due": 0, "enqueued": 0, "already": 0}
    links = {"minside": external_url("minside.home"), "bookings": external_url("booking.member_bookings",
                                                                               fallback="/")}
    sms_on = sms.available()  # the same reminder by SMS too, only when the channel is on (issue 15)
    phone = fund_phone.number()  # a setting: read once a run, not once a message
    with cyclic_gc_paused():
        for bookings in due_booking_reminders(session, now=now, hours=hours, chunk=chunk):
            _enqueue_chunk(session, bookings, counts, now=now, hours=hours, links=links, phone=phone, sms_on=sms_on)
            session.commit()
    return counts


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a bulk run (reference counting still frees everything).

    A chunk keeps some 100,000 objects alive (the rows, the ORM's state, the rendered parts) until it is written;
    the collector traversed them over and over and promoted them, which set off full collections of the whole
    process's heap: a fifth to a third of a reminder run's CPU (issue 19). The run makes few reference cycles (about
    1,300 objects in 7,565 reminders); they are collected when the collector resumes. Left alone if something else
    has paused it already."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _enqueue_chunk(session: Session, bookings: list[Booking], counts: dict, *, now: datetime, hours: int,
                   links: dict, phone: str | None, sms_on: bool) -> None:
    """The reminders of one chunk of due bookings that are not in the outbox yet, written in one go."""
    keys = [booking_reminder_key(b, hours) for b in bookings]
    numbers = {b.id: sms.parse_danish_phone(b.member.phone) for b in bookings} if sms_on else {}
    sms_keys = [key + ":sms" for b, key in zip(bookings, keys) if numbers.get(b.id)]
    seen = outbox.existing_keys(session, keys + sms_keys)  # before rendering: a second run renders nothing
    wanted = [(booking, key, bool(numbers.get(booking.id)) and key + ":sms" not in seen)
              for booking, key in zip(bookings, keys)]
    wanted = [(booking, key, wants_sms) for booking, key, wants_sms in wanted if key not in seen or wants_sms]
    emails = _booking_reminders([(booking, key) for booking, key, _ in wanted], now=now, links=links, phone=phone)
    messages = []
    for booking, key, wants_sms in wanted:
        email = emails[key]
        if key not in seen:
            messages.append(email)
        if wants_sms:
            messages.append(outbox.NewMessage(
                idempotency_key=key + ":sms", kind="booking_reminder", channel="sms",
                to_address=numbers[booking.id], subject=email.subject, body_text=email.subject,
                member_id=booking.member_id, send_before=booking.starts_at))
    written = outbox.enqueue_many(session, messages, now=now)
    _count(counts, due=len(keys), written=written & set(keys))
    if sms_on:
        counts["sms"] = counts.get("sms", 0) + len(written & set(sms_keys))


def _count(counts: dict, *, due: int, written: set[str]) -> None:
    """Reminders not written now were written before (by an earlier run, or a parallel one since the lookup)."""
    counts["due"] += due
    counts["enqueued"] += len(written)
    counts["already"] += due - len(written)


def _booking_reminders(wanted: list[tuple[Booking, str]], *, now: datetime, links: dict,
                       phone: str | None) -> dict[str, outbox.NewMessage]:
    """The e-mail of each (booking, key), by key, in the member's language: the e-mail, the type's label and the
    invitation's summary and description.

    Rendered a language at a time: one forced locale (in which the translations are looked up once) and one lookup
    of the templates per language and chunk, instead of two of each per message (issue 19)."""
    by_language: dict[str, list[tuple[Booking, str]]] = {}
    for booking, key in wanted:
        by_language.setdefault(email_language(booking.member.language), []).append((booking, key))
    emails = {}
    for language, items in by_language.items():
        with forced_language(language):
            template = EmailTemplate("booking_reminder", language)
            for booking, key in items:
                emails[key] = _booking_reminder(template, booking, key, now=now, links=links, phone=phone)
    return emails


def _booking_reminder(template: EmailTemplate, booking: Booking, key: str, *, now: datetime, links: dict,
                      phone: str | None) -> outbox.NewMessage:
    member = booking.member
    conv = TYPES.get(booking.type)
    email = template.render(
        member=member, booking=booking, links=links, type_label=str(conv.label) if conv else booking.type,
        caseworker_name=booking.caseworker.user.display_name if booking.caseworker else "",
        location_name=booking.location.name if booking.location else "",
        # a reminder comes inside the minimum notice (24 h by default): "move it on Min side" only when it can be
        may_change=member_may_change(booking, now), fund_phone=phone,
    )
    return outbox.NewMessage(idempotency_key=key, kind="booking_reminder", to_address=member.email,
                             subject=email.subject, body_text=email.text, body_html=email.html, member_id=member.id,
                             attachments=[calendar_attachment("samtale.ics", booking_calendar(booking, now))],
                             send_before=booking.starts_at)


def booking_calendar(booking: Booking, now: datetime) -> bytes:
    """The booking's .ics (the booking area's: same UID and SEQUENCE as its confirmations)."""
    return booking_ics(booking, now)


# Offer sessions (webinars, theme meetings, FVU …): the offers area says who is registered.

def enqueue_session_reminders(session: Session, *, now: datetime, hours: int = DEFAULT_HOURS) -> dict:
    """One reminder per registered member of each offer session starting within `hours`."""
    counts = {"due": 0, "enqueued": 0, "already": 0}
    links = {"minside": external_url("minside.home"), "offers": external_url("offers.catalogue"),
             "my_offers": external_url("offers.mine")}
    for offer_session in sessions_starting_between(session, now, now + timedelta(hours=hours)):
        wanted = {session_reminder_key(offer_session.id, r.member_id, offer_session.starts_at, hours): r
                  for r in offer_session.registrations
                  if r.status == RegistrationStatus.REGISTERED and r.member is not None and r.member.email}
        seen = outbox.existing_keys(session, list(wanted))
        messages = [_session_reminder(offer_session, registration, key, now=now, links=links)
                    for key, registration in wanted.items() if key not in seen]
        _count(counts, due=len(wanted), written=outbox.enqueue_many(session, messages, now=now))
        session.commit()
    return counts


def _session_reminder(offer_session, registration, key: str, *, now: datetime, links: dict) -> outbox.NewMessage:
    member = registration.member
    language = email_language(member.language)
    with force_locale(language):  # the place and the invitation in the member's language, like the e-mail
        place = place_text(offer_session) if offer_session.location_id else ""
        attachments = [calendar_attachment("tilbud.ics", session_ics(offer_session, registration, now))]
    email = render_email("session_reminder", language, member=member, offer=offer_session.offer,
                         offer_session=offer_session, links=links, place=place)
    return outbox.NewMessage(idempotency_key=key, kind="session_reminder", to_address=member.email,
                             subject=email.subject, body_text=email.text, body_html=email.html, member_id=member.id,
                             attachments=attachments, send_before=offer_session.starts_at)
