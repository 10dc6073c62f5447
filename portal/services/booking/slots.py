"""Free slots: availability minus bookings, with minimum notice, maximum horizon and buffers (conversation_types).

Order for a member: their own caseworker first, then others at the member's location, then nearby locations
(by distance), then by time. `check_slot` is the same rule for one wanted time, with a precise reason when it fails.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import or_list
from portal.models import Booking, Caseworker, Member, ServiceLocation, User
from portal.models.booking import ACTIVE_BOOKING_STATUSES, WorkingHours
from portal.services.booking import clashes
from portal.services.booking.availability import open_intervals
from portal.services.booking.conversation_types import (
    TYPES,
    BookingRules,
    ConversationType,
    channel_label,
    conversation_type,
    format_when,
    rules,
)
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.danish_calendar import is_closed_day
from portal.services.errors import Conflict, NotFound, SlotTaken, ValidationFailed
from portal.timeutil import to_local

NEARBY_COUNT = 3  # other locations offered to a member besides their own
NEARBY_KM = 80.0
MAX_WINDOW = timedelta(days=92)


@dataclass(frozen=True)
class Slot:
    caseworker_id: int
    caseworker_name: str
    location_id: int
    location_name: str
    starts_at: datetime
    ends_at: datetime
    channels: tuple[str, ...]
    own_caseworker: bool
    member_busy: bool = False  # staff lists only: the member is at a webinar or meeting then (bookable with a reason)


def distance_km(a: ServiceLocation, b: ServiceLocation) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def nearby_locations(locations: dict[int, ServiceLocation], home_id: int) -> list[int]:
    home = locations[home_id]
    others = sorted((distance_km(home, loc), loc_id) for loc_id, loc in locations.items() if loc_id != home_id)
    return [loc_id for km, loc_id in others[:NEARBY_COUNT] if km <= NEARBY_KM]


def _channels(ctype: ConversationType, channel: str | None) -> tuple[str, ...]:
    if channel is None or channel == "":
        return ctype.channels
    if channel not in ctype.channels:
        allowed = or_list(channel_label(c).lower() for c in ctype.channels)
        raise ValidationFailed(
            _("%(type)s kan kun holdes som %(allowed)s.", type=ctype.label, allowed=allowed), field="channel")
    return (channel,)


def _busy(session: Session, caseworker_ids: list[int], start: datetime, end: datetime, buffer: timedelta,
          member: Member | None, exclude_booking_id: int | None) -> tuple[dict[int, list], list]:
    """Active bookings around [start, end): per caseworker (widened by the buffer) and the member's own."""
    query = select(Booking.id, Booking.caseworker_id, Booking.member_id, Booking.starts_at, Booking.ends_at).where(
        Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        Booking.starts_at < end + buffer, Booking.ends_at > start - buffer,
    )
    if member is not None:
        query = query.where((Booking.caseworker_id.in_(caseworker_ids)) | (Booking.member_id == member.id))
    else:
        query = query.where(Booking.caseworker_id.in_(caseworker_ids))
    per_caseworker: dict[int, list] = defaultdict(list)
    own: list = []
    for row in session.execute(query):
        if row.id == exclude_booking_id:
            continue
        if row.caseworker_id in caseworker_ids:
            per_caseworker[row.caseworker_id].append((row.starts_at - buffer, row.ends_at + buffer))
        if member is not None and row.member_id == member.id:
            own.append((row.starts_at, row.ends_at))
    return {cw: _merge(v) for cw, v in per_caseworker.items()}, _merge(own)


def _merge(intervals: list) -> list:
    merged: list = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


_FAR = datetime.max.replace(tzinfo=UTC)


def _overlaps(busy: list, start: datetime, end: datetime) -> bool:
    """busy: merged, sorted intervals (aware UTC)."""
    i = bisect_right(busy, (start, _FAR)) - 1
    for j in (i, i + 1):
        if 0 <= j < len(busy) and busy[j][0] < end and busy[j][1] > start:
            return True
    return False


def _window(start: datetime, end: datetime, now: datetime, r: BookingRules, staff: bool) -> tuple[datetime, datetime]:
    earliest = max(start, now if staff else now + r.min_notice)
    latest = end if staff else min(end, now + r.horizon + timedelta(days=1))
    return earliest, min(latest, earliest + MAX_WINDOW)


def _candidates(session: Session, *, member: Member | None, location_id: int | None, caseworker_id: int | None,
                locations: dict[int, ServiceLocation], moving: bool = False) -> dict[int, set[int] | None]:
    """Caseworker id → locations whose hours count (None: all of them)."""
    if caseworker_id is not None:
        caseworker = session.get(Caseworker, caseworker_id)
        if caseworker is None:
            raise NotFound(_("Sagsbehandleren findes ikke."))
        if not caseworker.active:
            raise _no_longer_here(caseworker.name, moving=moving, field=None)  # the list's search, not a time
        return {caseworker_id: {location_id} if location_id else None}
    if location_id is not None:
        if location_id not in locations:
            raise ValidationFailed(_("Vælg et betjeningssted fra listen."), field="location")
        wanted = {location_id}
    elif member is not None:
        wanted = {member.location_id, *nearby_locations(locations, member.location_id)}
    else:
        raise ValidationFailed(_("Vælg et betjeningssted."), field="location")
    result: dict[int, set[int] | None] = {}
    for cw_id, loc_id in session.execute(
            select(WorkingHours.caseworker_id, WorkingHours.location_id).distinct()
            .join(Caseworker, Caseworker.id == WorkingHours.caseworker_id)
            .join(User, User.id == Caseworker.user_id)
            .where(WorkingHours.location_id.in_(wanted), User.active.is_(True))):  # a leaver takes no new booking
        result.setdefault(cw_id, set()).add(loc_id)
    if member is not None and member.caseworker_id and location_id is None and session.scalar(
            select(User.active).join(Caseworker, Caseworker.user_id == User.id)
            .where(Caseworker.id == member.caseworker_id)):
        result[member.caseworker_id] = None  # the own caseworker wherever they sit, while they work here
    return result


def _no_longer_here(name: str, *, moving: bool, field: str | None = "starts_at") -> ValidationFailed:
    """A deactivated caseworker (a leaver) is offered and accepted for no new booking or move."""
    if moving:
        return ValidationFailed(_("Samtalen kan ikke flyttes til en ny tid hos %(name)s, som ikke længere er ansat i "
                                  "a-kassen. Aflys den, og book en ny tid hos en anden sagsbehandler.", name=name),
                                field=field)
    return ValidationFailed(_("%(name)s er ikke længere ansat i a-kassen og tager ikke imod nye samtaler. Vælg en "
                              "tid hos en anden sagsbehandler.", name=name), field=field)


# Staff book and move conversations without the members' horizon, but not beyond a year ahead.
STAFF_HORIZON = timedelta(days=366)


def free_slots(session: Session, *, type: str, start: datetime, end: datetime, now: datetime,
               member: Member | None = None, location_id: int | None = None, caseworker_id: int | None = None,
               channel: str | None = None, limit: int | None = None, staff: bool = False,
               exclude_booking_id: int | None = None, booking_rules: BookingRules | None = None) -> list[Slot]:
    """Free slots of `type` starting in [start, end).

    staff=True (a caseworker booking for a member) skips the minimum notice and the horizon.
    exclude_booking_id: a booking being moved does not block its own new time.
    """
    r = booking_rules or rules()
    ctype = conversation_type(type)
    channels = _channels(ctype, channel)
    earliest, latest = _window(start, end, now, r, staff)
    if latest <= earliest:
        return []
    locations = {loc.id: loc for loc in session.scalars(select(ServiceLocation))}
    wanted = _candidates(session, member=member, location_id=location_id, caseworker_id=caseworker_id,
                         locations=locations, moving=exclude_booking_id is not None)
    if not wanted:
        return []
    length = ctype.length
    intervals = open_intervals(session, wanted, earliest, latest + length, location_ids=wanted)
    busy, own_busy = _busy(session, list(wanted), earliest, latest + length, r.buffer, member, exclude_booking_id)
    member_sessions: list[tuple[datetime, datetime]] = []
    if member is not None:
        # One person, one place: a member is not offered a time they are at a webinar or meeting; a caseworker
        # sees it marked as such and may book anyway with a reason (clashes.refuse_clash).
        member_sessions = _merge(clashes.session_times(session, member.id, earliest, latest + length))
        if not staff:
            own_busy, member_sessions = _merge(own_busy + member_sessions), []
    names = dict(session.execute(select(Caseworker.id, User.display_name).join(User, Caseworker.user_id == User.id)
                                 .where(Caseworker.id.in_(list(wanted)))).all())
    own_id = member.caseworker_id if member is not None else None
    home = locations.get(member.location_id) if member is not None else None
    slots: list[tuple] = []
    for cw_id, cw_intervals in intervals.items():
        cw_busy = busy.get(cw_id, [])
        for interval in cw_intervals:
            t = interval.starts_at
            while t + length <= interval.ends_at:
                if t >= earliest and t < latest and not _overlaps(cw_busy, t, t + length) \
                        and not _overlaps(own_busy, t, t + length):
                    loc = locations[interval.location_id]
                    own = cw_id == own_id
                    rank = 0 if own else 1 if home is not None and loc.id == home.id else 2
                    km = distance_km(home, loc) if rank == 2 and home is not None else 0.0
                    slots.append(((rank, round(km), t, names.get(cw_id, "")), Slot(
                        cw_id, names.get(cw_id, ""), loc.id, loc.name, t, t + length, channels, own,
                        _overlaps(member_sessions, t, t + length))))
                t += r.step
    slots.sort(key=lambda pair: pair[0])
    result = [slot for _key, slot in slots]
    if exclude_booking_id is not None:  # a booking being moved: its own current time is not a new time
        moving = session.get(Booking, exclude_booking_id)
        if moving is not None:
            result = [s for s in result if not (s.caseworker_id == moving.caseworker_id
                                                and s.starts_at == moving.starts_at)]
    return result[:limit] if limit else result


def check_slot(session: Session, *, ctype: ConversationType, caseworker_id: int, starts_at: datetime,
               channel: str, member: Member, now: datetime, staff: bool,
               exclude_booking_id: int | None = None) -> Slot:
    """The slot at `starts_at` if it can be booked now; otherwise a domain error saying why."""
    r = rules()
    _channels(ctype, channel)
    if starts_at.tzinfo is None:
        raise ValidationFailed(_("Tidspunktet mangler tidszone."), field="starts_at")
    if starts_at <= now:
        raise ValidationFailed(_("Tidspunktet er passeret. Vælg en ny tid."), field="starts_at")
    if not staff and starts_at < now + r.min_notice:
        hours = int(r.min_notice.total_seconds() // 3600)
        raise ValidationFailed(_("Samtaler skal bookes mindst %(hours)s timer før. Vælg en senere tid.",
                                 hours=hours), field="starts_at")
    if not staff and starts_at > now + r.horizon + timedelta(days=1):
        raise ValidationFailed(_("Du kan højst booke %(days)s dage frem.", days=r.horizon.days), field="starts_at")
    if staff and starts_at > now + STAFF_HORIZON:  # a mistyped year (2199) must not reach the member's inbox
        raise ValidationFailed(_("Samtaler kan højst bookes et år frem. Tjek datoen."), field="starts_at")
    staff_row = session.execute(select(User.display_name, User.active).join(Caseworker, Caseworker.user_id == User.id)
                                .where(Caseworker.id == caseworker_id)).first()
    if staff_row is not None and not staff_row.active:
        raise _no_longer_here(staff_row.display_name, moving=exclude_booking_id is not None)
    ends_at = starts_at + ctype.length
    intervals = open_intervals(session, [caseworker_id], starts_at, ends_at).get(caseworker_id, [])
    inside = [i for i in intervals if i.starts_at <= starts_at and ends_at <= i.ends_at]
    if not inside and is_closed_day(to_local(starts_at).date()):
        raise ValidationFailed(_("A-kassen holder lukket den dag (helligdag). Vælg en anden dag."), field="starts_at")
    if not inside:
        raise ValidationFailed(_("Tidspunktet ligger uden for sagsbehandlerens arbejdstid. Vælg en tid fra listen."),
                               field="starts_at")
    busy, own_busy = _busy(session, [caseworker_id], starts_at, ends_at, r.buffer, member, exclude_booking_id)
    if _overlaps(own_busy, starts_at, ends_at) or _overlaps(busy.get(caseworker_id, []), starts_at, ends_at):
        raise _not_free(session, member=member, caseworker_id=caseworker_id, starts_at=starts_at, ends_at=ends_at,
                        buffer=r.buffer, staff=staff, exclude_booking_id=exclude_booking_id)
    location = session.get(ServiceLocation, inside[0].location_id)
    name = staff_row.display_name if staff_row is not None else ""
    return Slot(caseworker_id, name, location.id, location.name, starts_at, ends_at, (channel,),
                member.caseworker_id == caseworker_id)


def _not_free(session: Session, *, member: Member, caseworker_id: int, starts_at: datetime, ends_at: datetime,
              buffer: timedelta, staff: bool, exclude_booking_id: int | None) -> Conflict:
    """Why a wanted time is not free, blaming the right booking: the member's own conversation at that time, or
    their own with this caseworker right beside it (inside the buffer), is named (a member clicking a time in an
    older tab was told someone else had taken it); only another member's booking is SlotTaken."""
    query = select(Booking).where(
        Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        (Booking.member_id == member.id) | (Booking.caseworker_id == caseworker_id),
        Booking.starts_at < ends_at + buffer, Booking.ends_at > starts_at - buffer).order_by(Booking.starts_at)
    if exclude_booking_id is not None:
        query = query.where(Booking.id != exclude_booking_id)
    near = list(session.scalars(query))
    own = [b for b in near if b.member_id == member.id]
    at_the_time = [b for b in own if b.starts_at < ends_at and b.ends_at > starts_at]
    if at_the_time:
        booking = at_the_time[0]
        words = {"type": TYPES[booking.type].label_in_sentence, "when": format_when(booking.starts_at)}
        if booking.caseworker_id == caseworker_id and booking.starts_at == starts_at and not staff:
            # the same time again (a retry after a lost answer, a second tab): it is theirs already
            return Conflict(_("Tiden er allerede booket til dig: %(type)s %(when)s.", **words))
        if staff:
            return Conflict(_("Medlemmet har allerede en samtale på det tidspunkt: %(type)s %(when)s.", **words))
        return Conflict(_("Du har allerede en samtale på det tidspunkt: %(type)s %(when)s. Vælg en anden tid.",
                          **words))
    beside = [b for b in own if b.caseworker_id == caseworker_id]
    if beside and all(b.member_id == member.id for b in near if b.caseworker_id == caseworker_id):
        booking = beside[0]
        words = {"type": TYPES[booking.type].label_in_sentence, "when": format_when(booking.starts_at)}
        if staff:
            return Conflict(_("Tiden ligger lige op ad medlemmets %(type)s %(when)s hos samme sagsbehandler. Vælg "
                              "en anden tid.", **words))
        return Conflict(_("Tiden ligger lige op ad din %(type)s %(when)s, og sagsbehandleren skal have tid mellem "
                          "samtalerne. Vælg en anden tid.", **words))
    return SlotTaken(_("Tiden er lige blevet booket af en anden. Vælg en anden tid."))
