"""The conversation API: free slots and the member's own bookings (book, move, cancel, .ics).

GET /api/v1/slots, GET/POST /api/v1/me/bookings, GET/PATCH/DELETE /api/v1/me/bookings/{id},
GET /api/v1/me/bookings/{id}.ics. A member only ever sees their own bookings (another's id → 404).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Response, g, jsonify, request, url_for

from portal.blueprints.api.auth import api_role_required, json_body
from portal.blueprints.api.blueprint import bp
from portal.extensions import db
from portal.models import Booking, Member
from portal.query_args import db_id, db_int
from portal.services.booking import booking as svc
from portal.services.booking.conversation_types import TYPES
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.booking.slots import MAX_WINDOW, Slot, free_slots
from portal.services.errors import NotFound, ValidationFailed
from portal.timeutil import LOCAL_TZ, to_local, utcnow
from portal.unit_of_work import unit_of_work

DEFAULT_DAYS = 28
MAX_LIMIT = 2000


def _member() -> Member:
    member = g.api_user.member
    if member is None:
        raise NotFound(_("Der er ingen medlemsoplysninger knyttet til din bruger."))
    return member


MOMENT_YEARS = (2000, 2999)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _parse_moment(raw, field: str, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 with an offset (2027-03-24T10:00:00+01:00 / …Z), or a date meaning Copenhagen midnight."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed(_("Angiv %(field)s som dato eller tidspunkt (ISO 8601).", field=field), field=field)
    text = raw.strip()[:40]
    invalid = ValidationFailed(_("%(field)s er ikke en gyldig dato eller et gyldigt tidspunkt (ISO 8601).",
                                 field=field), field=field)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + (timedelta(days=1) if end_of_day else timedelta())
            value = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
        else:
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                raise ValidationFailed(_("%(field)s skal have en tidszone, fx 2027-03-24T10:00:00+01:00 eller …Z.",
                                         field=field), field=field)
        moment = value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: a time at the calendar's edge (year 1 or 9999)
        raise invalid from None
    if not MOMENT_YEARS[0] <= moment.year <= MOMENT_YEARS[1]:  # so adding a booking window cannot overflow
        raise invalid
    return moment


def _optional_int(raw, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return db_int(str(raw))
    except ValueError:
        raise ValidationFailed(_("%(field)s skal være et heltal.", field=field), field=field) from None


def slot_json(slot: Slot, type_code: str) -> dict:
    return {
        "type": type_code,
        "caseworker_id": slot.caseworker_id,
        "caseworker_name": slot.caseworker_name,
        "location_id": slot.location_id,
        "location_name": slot.location_name,
        "starts_at": _iso(slot.starts_at),
        "ends_at": _iso(slot.ends_at),
        "starts_at_local": to_local(slot.starts_at).isoformat(),
        "channels": list(slot.channels),
        "own_caseworker": slot.own_caseworker,
    }


def booking_json(booking: Booking) -> dict:
    refusal = svc.member_change_refusal(booking, utcnow())  # why the member may not move or cancel it now
    return {
        "id": booking.id,
        "uid": booking.uid,
        "type": booking.type,
        "type_label": str(TYPES[booking.type].label),
        "channel": booking.channel,
        "status": booking.status,
        "starts_at": _iso(booking.starts_at),
        "ends_at": _iso(booking.ends_at),
        "starts_at_local": to_local(booking.starts_at).isoformat(),
        "caseworker_id": booking.caseworker_id,
        "caseworker_name": booking.caseworker.user.display_name,
        "location_id": booking.location_id,
        "location_name": booking.location.name,
        "meeting_link": booking.meeting_link,
        "with_jobcenter": booking.with_jobcenter,
        "note": booking.member_note,
        "cancel_reason": booking.cancel_reason,
        "sequence": booking.sequence,
        "changeable": refusal is None,
        "change_refusal": str(refusal) if refusal is not None else None,
        "ics_url": url_for("api.my_booking_ics", booking_id=booking.id),
        "created_at": _iso(booking.created_at),
        "updated_at": _iso(booking.updated_at),
    }


def _refuse_unknown(data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(_("Ukendte felter: %(fields)s.", fields=", ".join(unknown)),
                               errors={f: _("Feltet kendes ikke.") for f in unknown})


def _own(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.member_id != _member().id:
        raise NotFound(_("Samtalen findes ikke."))
    return booking


@bp.route("/v1/slots", methods=["GET"])
@api_role_required("member")
def list_slots():
    member = _member()
    args = request.args
    type_code = args.get("type") or ""
    if type_code not in TYPES:
        raise ValidationFailed(_("Angiv type: en af %(types)s.", types=", ".join(TYPES)), field="type")
    now = utcnow()
    start = _parse_moment(args["from"], "from") if args.get("from") else now
    end = _parse_moment(args["to"], "to", end_of_day=True) if args.get("to") else start + timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise ValidationFailed(_("to skal være efter from."), field="to")
    if end - start > MAX_WINDOW:
        raise ValidationFailed(_("Perioden må højst være %(days)s dage.", days=MAX_WINDOW.days), field="to")
    limit = _optional_int(args.get("limit"), "limit")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(_("limit skal være mellem 1 og %(max)s.", max=MAX_LIMIT), field="limit")
    slots = free_slots(db.session, type=type_code, start=start, end=end, now=now, member=member,
                       location_id=_optional_int(args.get("location"), "location"),
                       caseworker_id=_optional_int(args.get("caseworker"), "caseworker"),
                       channel=args.get("channel") or None, limit=limit)
    return jsonify(slots=[slot_json(s, type_code) for s in slots], count=len(slots),
                   **{"from": _iso(start), "to": _iso(end)})


@bp.route("/v1/me/bookings", methods=["GET"])
@api_role_required("member")
def list_my_bookings():
    upcoming = request.args.get("upcoming") in ("1", "true", "yes")
    bookings = svc.member_bookings(db.session, _member(), upcoming_only=upcoming, now=utcnow())
    return jsonify(bookings=[booking_json(b) for b in bookings])


@bp.route("/v1/me/bookings", methods=["POST"])
@api_role_required("member")
def create_my_booking():
    data = json_body()
    _refuse_unknown(data, ("type", "caseworker_id", "starts_at", "channel", "note"))
    type_code = data.get("type")
    if type_code not in TYPES:
        raise ValidationFailed(_("Angiv type: en af %(types)s.", types=", ".join(TYPES)), field="type")
    caseworker_id = data.get("caseworker_id")
    if not isinstance(caseworker_id, int) or db_id(caseworker_id) is None:  # a bool is an int, and so is 10**30
        raise ValidationFailed(_("caseworker_id skal være et heltal fra slot-listen."), field="caseworker_id")
    channel = data.get("channel") or TYPES[type_code].channels[0]
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise ValidationFailed(_("note skal være tekst på højst 500 tegn."), field="note")
    member = _member()
    starts_at = _parse_moment(data.get("starts_at"), "starts_at")
    with unit_of_work():
        booking = svc.book_slot(db.session, member=member, caseworker_id=caseworker_id, starts_at=starts_at,
                                type=type_code, channel=channel, actor=g.api_user, now=utcnow(), note=note)
    response = jsonify(booking_json(booking))
    response.status_code = 201
    response.headers["Location"] = url_for("api.my_booking", booking_id=booking.id)
    return response


# One rule for the three methods: with one rule per method, Werkzeug answers an out-of-range id with 405
# instead of 404 (the bounded <int:> converter rejects it and the method check runs on the leftovers).
@bp.route("/v1/me/bookings/<int:booking_id>", methods=["GET", "PATCH", "DELETE"])
@api_role_required("member")
def my_booking(booking_id: int):
    booking = _own(booking_id)
    if request.method == "PATCH":
        return _move(booking)
    if request.method == "DELETE":
        return _cancel(booking)
    return jsonify(booking_json(booking))


def _move(booking: Booking):
    data = json_body()
    _refuse_unknown(data, ("starts_at", "channel"))
    if "starts_at" not in data and "channel" not in data:
        raise ValidationFailed(_("Angiv starts_at og/eller channel."), field="starts_at")
    starts_at = _parse_moment(data["starts_at"], "starts_at") if "starts_at" in data else booking.starts_at
    with unit_of_work():
        svc.reschedule_booking(db.session, booking, starts_at=starts_at, actor=g.api_user, now=utcnow(),
                               channel=data.get("channel"))
    return jsonify(booking_json(booking))


def _cancel(booking: Booking):
    with unit_of_work():
        svc.cancel_booking(db.session, booking, actor=g.api_user, now=utcnow())
    return jsonify(booking_json(booking))


@bp.route("/v1/me/bookings/<int:booking_id>.ics", methods=["GET"])
@api_role_required("member")
def my_booking_ics(booking_id: int):
    booking = _own(booking_id)
    return Response(svc.booking_ics(booking, utcnow()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="samtale-{booking.id}.ics"'})
