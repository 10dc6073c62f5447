"""Caseworkers' availability: weekly working hours per service location, and dated exceptions.

Hours are local wall-clock times (Europe/Copenhagen); `open_intervals` turns them into UTC intervals day by day,
so a working day across a clock change still starts at 09:00 local time.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from portal.database import prepared
from portal.i18n import N_
from portal.models import Booking, Caseworker, ServiceLocation, User
from portal.models.booking import (
    ACTIVE_BOOKING_STATUSES,
    EXCEPTION_KINDS,
    AvailabilityException,
    WorkingHours,
)
from portal.models.statuses import BookingStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.danish_calendar import is_closed_day
from portal.services.errors import NotAllowed, NotFound, ValidationFailed
from portal.services.form_values import parse_date, parse_int, parse_time
from portal.services.text_limits import kept_whole
from portal.timeutil import LOCAL_TZ, to_local

# Danish source strings, translated where shown (templates/booking/hours.html).
WEEKDAYS = (N_("Mandag"), N_("Tirsdag"), N_("Onsdag"), N_("Torsdag"), N_("Fredag"), N_("Lørdag"), N_("Søndag"))
EARLIEST, LATEST = time(7, 0), time(20, 0)  # conversations are held in office hours


@dataclass(frozen=True)
class OpenInterval:
    starts_at: datetime  # aware UTC
    ends_at: datetime
    location_id: int


def may_edit(actor: Actor, caseworker: Caseworker) -> bool:
    """A caseworker edits their own hours; admins edit everyone's."""
    if isinstance(actor, str):
        return actor == SystemActor.CLI
    return actor.role == "admin" or (actor.role == "caseworker" and caseworker.user_id == actor.id)


def _require_edit(actor: Actor, caseworker: Caseworker) -> None:
    if not may_edit(actor, caseworker):
        raise NotAllowed(_("Du kan kun ændre dine egne arbejdstider."))


def _check_times(start: time | None, end: time | None) -> None:
    if start is None or end is None:
        raise ValidationFailed(_("Angiv både start- og sluttid."), field="start_time")
    if end <= start:
        raise ValidationFailed(_("Sluttiden skal være efter starttiden."), field="end_time")
    if start < EARLIEST or end > LATEST:
        raise ValidationFailed(_("Tiderne skal ligge mellem kl. 07.00 og 20.00."), field="start_time")


def _location(session: Session, location_id: int | None) -> ServiceLocation:
    location = session.get(ServiceLocation, location_id) if location_id else None
    if location is None:
        raise ValidationFailed(_("Vælg et betjeningssted fra listen."), field="location_id")
    return location


def weekly_hours(session: Session, caseworker_id: int) -> list[WorkingHours]:
    return list(session.scalars(
        select(WorkingHours).where(WorkingHours.caseworker_id == caseworker_id)
        .order_by(WorkingHours.weekday, WorkingHours.start_time)
    ))


def add_working_hours(session: Session, *, caseworker: Caseworker, location_id: int | None, weekday: int | None,
                      start_time: time | None, end_time: time | None, actor: Actor, now: datetime) -> WorkingHours:
    """Add a weekly block; blocks of one caseworker on one weekday may not overlap (whatever the location)."""
    _require_edit(actor, caseworker)
    if weekday not in range(7):
        raise ValidationFailed(_("Vælg en ugedag."), field="weekday")
    _check_times(start_time, end_time)
    location = _location(session, location_id)
    for other in weekly_hours(session, caseworker.id):
        if other.weekday == weekday and other.start_time < end_time and other.end_time > start_time:
            raise ValidationFailed(_("Tiden overlapper %(day)s kl. %(start)s–%(end)s.", day=_(WEEKDAYS[weekday]).lower(),
                                     start=other.start_time.strftime("%H.%M"), end=other.end_time.strftime("%H.%M")),
                                   field="start_time")
    hours = WorkingHours(caseworker_id=caseworker.id, location_id=location.id, weekday=weekday,
                         start_time=start_time, end_time=end_time)
    session.add(hours)
    session.flush()
    audit.record(session, actor, "availability.hours_add", target=hours, now=now,
                 detail={"caseworker_id": caseworker.id, "weekday": weekday, "location_id": location.id,
                         "start": start_time.isoformat(), "end": end_time.isoformat()})
    return hours


def remove_working_hours(session: Session, hours_id: int, *, caseworker: Caseworker, actor: Actor,
                         now: datetime) -> list[Booking]:
    """Remove weekly hours; returns the coming booked conversations now outside the caseworker's working time."""
    _require_edit(actor, caseworker)
    hours = session.get(WorkingHours, hours_id)
    if hours is None or hours.caseworker_id != caseworker.id:
        raise NotFound(_("Arbejdstiden findes ikke (længere)."))
    audit.record(session, actor, "availability.hours_remove", target=hours, now=now,
                 detail={"caseworker_id": caseworker.id, "weekday": hours.weekday,
                         "start": hours.start_time.isoformat(), "end": hours.end_time.isoformat()})
    session.delete(hours)
    session.flush()
    return outside_hours(session, caseworker.id, now=now)


def outside_hours(session: Session, caseworker_id: int, *, now: datetime) -> list[Booking]:
    """The caseworker's coming booked conversations that no longer lie inside their working time (after a change
    of hours): to be moved or cancelled, as after a new absence. Looks a year ahead (staff book no further)."""
    coming = list(session.scalars(select(Booking).where(
        Booking.caseworker_id == caseworker_id, Booking.status == BookingStatus.BOOKED, Booking.starts_at > now,
        Booking.starts_at < now + timedelta(days=366)).order_by(Booking.starts_at)))
    if not coming:
        return []
    intervals = open_intervals(session, [caseworker_id], coming[0].starts_at, coming[-1].ends_at).get(
        caseworker_id, [])
    return [b for b in coming
            if not any(i.starts_at <= b.starts_at and b.ends_at <= i.ends_at for i in intervals)]


def falls_in_absence(booking: Booking, day_changes: list[AvailabilityException]) -> bool:
    """Whether `booking` lies (partly) in one of its day's absences (`day_changes`: that day's exceptions)."""
    starts, ends = to_local(booking.starts_at).time(), to_local(booking.ends_at).time()
    return any(c.kind == "absence" and (c.start_time is None or (c.start_time < ends and starts < c.end_time))
               for c in day_changes)


@prepared
def _exceptions():
    return (select(AvailabilityException).where(
        AvailabilityException.caseworker_id == bindparam("caseworker_id"),
        AvailabilityException.day >= bindparam("start"), AvailabilityException.day <= bindparam("end"),
    ).order_by(AvailabilityException.day, AvailabilityException.start_time)
        .options(joinedload(AvailabilityException.location)))  # the calendar names an extra time's place


def exceptions(session: Session, caseworker_id: int, start: date, end: date) -> list[AvailabilityException]:
    return list(session.scalars(_exceptions(), {"caseworker_id": caseworker_id, "start": start, "end": end}))


# A note on an absence or extra hours: kept whole up to this length or refused.
NOTE_MAX = 200


def add_exception(session: Session, *, caseworker: Caseworker, day: date | None, kind: str,
                  start_time: time | None, end_time: time | None, location_id: int | None, note: str | None,
                  actor: Actor, today: date, now: datetime) -> tuple[AvailabilityException, list[Booking]]:
    """Add absence (whole day when no times) or extra hours. Returns the exception and the booked conversations
    that now fall in an absence, so the caseworker can move or cancel them (they are not moved automatically)."""
    _require_edit(actor, caseworker)
    if kind not in EXCEPTION_KINDS:
        raise ValidationFailed(_("Vælg fravær eller ekstra tid."), field="kind")
    if day is None:
        raise ValidationFailed(_("Angiv en dato."), field="day")
    if day < today:
        raise ValidationFailed(_("Datoen er passeret."), field="day")
    if start_time is not None or end_time is not None or kind == "extra":
        _check_times(start_time, end_time)
    location = _location(session, location_id) if kind == "extra" else None
    note = kept_whole(note, NOTE_MAX, field="note")
    item = AvailabilityException(
        caseworker_id=caseworker.id, day=day, kind=kind, start_time=start_time, end_time=end_time,
        location_id=location.id if location else None, note=note, created_at=now,
        created_by_user_id=actor.id if isinstance(actor, User) else None,
    )
    session.add(item)
    session.flush()
    audit.record(session, actor, "availability.exception_add", target=item, now=now,
                 detail={"caseworker_id": caseworker.id, "day": day.isoformat(), "kind": kind})
    affected: list[Booking] = []
    if kind == "absence":
        start = _utc(day, start_time or time(0))
        end = _utc(day, end_time) if end_time else _utc(day + timedelta(days=1), time(0))
        affected = list(session.scalars(select(Booking).where(
            Booking.caseworker_id == caseworker.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at < end, Booking.ends_at > start).order_by(Booking.starts_at)))
    return item, affected


def remove_exception(session: Session, exception_id: int, *, caseworker: Caseworker, actor: Actor,
                     now: datetime) -> None:
    _require_edit(actor, caseworker)
    item = session.get(AvailabilityException, exception_id)
    if item is None or item.caseworker_id != caseworker.id:
        raise NotFound(_("Undtagelsen findes ikke (længere)."))
    audit.record(session, actor, "availability.exception_remove", target=item, now=now,
                 detail={"caseworker_id": caseworker.id, "day": item.day.isoformat(), "kind": item.kind})
    session.delete(item)
    session.flush()


def working_hours_action(session: Session, caseworker: Caseworker, action: str | None, fields: Mapping[str, str], *,
                         actor: Actor, today: date, now: datetime) -> tuple[str, list[Booking]]:
    """Add or remove working hours or an exception as `action` says ("add_hours", "remove_hours",
    "add_exception", "remove_exception"), with the form's `fields`; returns what to tell the caseworker and the
    booked conversations a new absence falls on. ValidationFailed for any other action."""
    if action == "add_hours":
        add_working_hours(
            session, caseworker=caseworker, location_id=parse_int(fields.get("location_id"), "location_id"),
            weekday=parse_int(fields.get("weekday"), "weekday"),
            start_time=parse_time(fields.get("start_time"), "start_time"),
            end_time=parse_time(fields.get("end_time"), "end_time"), actor=actor, now=now)
        return _("Arbejdstiden er tilføjet."), []
    if action == "remove_hours":
        affected = remove_working_hours(session, parse_int(fields.get("id"), "id") or 0, caseworker=caseworker,
                                        actor=actor, now=now)
        return _("Arbejdstiden er fjernet."), affected
    if action == "add_exception":
        _item, affected = add_exception(
            session, caseworker=caseworker, day=parse_date(fields.get("day"), None, "day"),
            kind=fields.get("kind", ""), start_time=parse_time(fields.get("ex_start_time"), "ex_start_time"),
            end_time=parse_time(fields.get("ex_end_time"), "ex_end_time"),
            location_id=parse_int(fields.get("ex_location_id"), "ex_location_id"), note=fields.get("note"),
            actor=actor, today=today, now=now)
        return (_("Fraværet er gemt.") if fields.get("kind") == "absence" else _("Den ekstra tid er gemt.")), affected
    if action == "remove_exception":
        remove_exception(session, parse_int(fields.get("id"), "id") or 0, caseworker=caseworker, actor=actor,
                         now=now)
        return _("Fraværet eller den ekstra tid er fjernet."), []
    raise ValidationFailed(_("Ukendt handling."))


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _subtract(blocks: list[tuple[int, int, int]], cut_start: int, cut_end: int) -> list[tuple[int, int, int]]:
    out = []
    for start, end, loc in blocks:
        if cut_end <= start or cut_start >= end:
            out.append((start, end, loc))
            continue
        if start < cut_start:
            out.append((start, cut_start, loc))
        if cut_end < end:
            out.append((cut_end, end, loc))
    return out


def open_intervals(session: Session, caseworker_ids: Iterable[int], start: datetime, end: datetime,
                   *, location_ids: dict[int, set[int] | None] | None = None) -> dict[int, list[OpenInterval]]:
    """Working intervals (UTC) per caseworker overlapping [start, end): weekly hours minus absence plus extra hours.

    location_ids: per caseworker, the locations whose hours count (None or missing: all their locations).
    Two queries whatever the number of caseworkers or days.
    """
    ids = list(set(caseworker_ids))
    if not ids or end <= start:
        return {}
    first_day = start.astimezone(LOCAL_TZ).date()
    last_day = end.astimezone(LOCAL_TZ).date()
    weekly: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(lambda: defaultdict(list))
    for h in session.execute(select(WorkingHours.caseworker_id, WorkingHours.weekday, WorkingHours.start_time,
                                    WorkingHours.end_time, WorkingHours.location_id)
                             .where(WorkingHours.caseworker_id.in_(ids))):
        weekly[h.caseworker_id][h.weekday].append((_minutes(h.start_time), _minutes(h.end_time), h.location_id))
    dated: dict[tuple[int, date], list] = defaultdict(list)
    for e in session.execute(select(AvailabilityException.caseworker_id, AvailabilityException.day,
                                    AvailabilityException.kind, AvailabilityException.start_time,
                                    AvailabilityException.end_time, AvailabilityException.location_id)
                             .where(AvailabilityException.caseworker_id.in_(ids),
                                    AvailabilityException.day >= first_day, AvailabilityException.day <= last_day)):
        dated[(e.caseworker_id, e.day)].append(e)
    result: dict[int, list[OpenInterval]] = {}
    for cw in ids:
        allowed = (location_ids or {}).get(cw)
        intervals: list[OpenInterval] = []
        day = first_day
        while day <= last_day:
            # The weekly hours do not apply on a public holiday or closing day (the offices are shut); hours
            # added for that very day (an "extra" exception) still do.
            blocks = [] if is_closed_day(day) else list(weekly[cw].get(day.weekday(), ()))
            changes = dated.get((cw, day), ())
            for e in changes:
                if e.kind == "extra":
                    blocks.append((_minutes(e.start_time), _minutes(e.end_time), e.location_id))
            for e in changes:
                if e.kind == "absence":
                    cut = (0, 24 * 60) if e.start_time is None else (_minutes(e.start_time), _minutes(e.end_time))
                    blocks = _subtract(blocks, *cut)
            for s, e, loc in sorted(blocks):
                if allowed is not None and loc not in allowed:
                    continue
                s_utc = _utc(day, time(s // 60, s % 60))
                e_utc = _utc(day, time(e // 60, e % 60)) if e < 24 * 60 else _utc(day + timedelta(days=1), time(0))
                if e_utc > start and s_utc < end:
                    intervals.append(OpenInterval(s_utc, e_utc, loc))
            day += timedelta(days=1)
        result[cw] = intervals
    return result
