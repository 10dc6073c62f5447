"""Booking conversations, the member's side: the slot list, confirmation, own bookings (and the calendar file, which
staff may fetch too). The caseworker's calendar and working hours are in booking_staff.py, on this blueprint.
Views are thin: rules live in portal/services/."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import Booking, Caseworker, Member, ServiceLocation
from portal.models.statuses import BookingStatus
from portal.services import access
from portal.services import locations as service_locations
from portal.services.booking import availability as avail
from portal.services.booking import booking as svc
from portal.services.booking import fund_phone
from portal.services.booking.conversation_types import CHANNEL_NAMES, STATUS_NAMES, TYPES, rules
from portal.services.booking.slots import free_slots
from portal.services.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from portal.services.form_values import parse_date, parse_int
from portal.timeutil import LOCAL_TZ, local_today, to_local, utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("booking", __name__)

SLOT_DAYS = 14  # the member's list shows two weeks at a time
START_FORMAT = "%Y%m%dT%H%MZ"  # compact UTC start in links: 20270324T0900Z


@bp.app_context_processor
def _booking_globals():
    return {"conversation_types": TYPES, "channel_names": CHANNEL_NAMES}


# --- parsing -----------------------------------------------------------------------------------------------------

def start_param(value: datetime) -> str:
    return value.astimezone(UTC).strftime(START_FORMAT)


def parse_start(raw: str | None) -> datetime:
    try:
        return datetime.strptime((raw or "")[:20], START_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed(_("Tidspunktet kunne ikke læses. Vælg en tid fra listen."), field="starts_at") from None


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


# --- member ------------------------------------------------------------------------------------------------------

def _member() -> Member:
    member = current_user.member
    if member is None:
        abort(404)
    return member


def _own_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.member_id != _member().id:
        abort(404)
    return booking


def staff_scope() -> access.StaffScope:
    """The signed-in staff user's scope, once a request (the caseworker area keeps it under the same name)."""
    if "staff_scope" not in g:
        g.staff_scope = access.staff_scope(db.session, current_user)
    return g.staff_scope


def staff_visible_booking(booking_id: int) -> Booking:
    """A booked conversation the signed-in staff user may open (portal.services.access.may_see_booking); else
    404, with no hint that it exists."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not access.may_see_booking(db.session, staff_scope(), booking):
        abort(404)
    return booking


def _booking_to_move(raw: str | None) -> Booking | None:
    """The member's own booking named by ?flyt= (None without one). A link to nothing of theirs (an old e-mail, a
    mistyped address) leads to their bookings with a message, not to an error page."""
    if not raw:
        return None
    try:
        booking = db.session.get(Booking, parse_int(raw, "flyt") or 0)
    except ValidationFailed:
        booking = None
    if booking is None or booking.member_id != _member().id:
        flash(_("Vi kan ikke finde den samtale, du ville flytte. Her er dine samtaler."), "error")
        abort(redirect(url_for("booking.member_bookings")))
    return booking


def _sections(slots, member: Member) -> list[dict]:
    """Own caseworker / same location / nearby, each as days → caseworker rows, every day of the period: the pager
    moves SLOT_DAYS on, so a day left out here could never be seen (other sections' days fold up in the page)."""
    titles = [_("Din egen sagsbehandler"), _("Andre sagsbehandlere i %(place)s", place=member.location.name),
              _("Betjeningssteder i nærheden")]
    buckets: list[dict] = [{"title": t, "days": {}, "own": i == 0} for i, t in enumerate(titles)]
    for slot in slots:
        rank = 0 if slot.own_caseworker else 1 if slot.location_id == member.location_id else 2
        day = to_local(slot.starts_at).date()
        rows = buckets[rank]["days"].setdefault(day, {})
        rows.setdefault((slot.caseworker_id, slot.location_id), {"slot": slot, "times": []})["times"].append(slot)
    return [b for b in buckets if b["days"]]


@bp.route("/samtaler")
@role_required("member")
def member_slots():
    member = _member()
    now, today = utcnow(), local_today()
    moving = _booking_to_move(request.args.get("flyt"))
    if moving is not None and svc.member_change_refusal(moving, now):
        return _cannot_move(member, moving, now)
    type_code = moving.type if moving else request.args.get("type") or ""
    errors: dict = {}
    if type_code and type_code not in TYPES:
        errors["type"] = _("Vælg en samtaletype fra listen.")
        type_code = ""
    channel = request.args.get("channel") or None
    if channel and (channel not in CHANNEL_NAMES or (type_code and channel not in TYPES[type_code].channels)):
        errors["channel"] = _("Samtaletypen kan ikke holdes på den måde. Vælg en anden kontaktform.")
        channel = None
    location_id = None
    try:
        location_id = parse_int(request.args.get("location"), "location")
        start_day = max(today, parse_date(request.args.get("fra"), today))
    except ValidationFailed as exc:
        errors[exc.field or "_"] = exc.message
        start_day = today
    sections, slot_count = [], 0
    refusal = svc.member_booking_refusal(db.session, member, TYPES[type_code]) if type_code and not moving else None
    existing = None
    if type_code and not moving and not refusal:
        existing = svc.booking_in_the_way(db.session, member, TYPES[type_code], now=now)
        refusal = svc.already_booked_message(existing) if existing is not None else None
    if refusal:
        errors["type"] = refusal
    if type_code and not errors:
        start = local_midnight(start_day)
        try:
            slots = free_slots(db.session, type=type_code, start=start, end=start + timedelta(days=SLOT_DAYS),
                               now=now, member=member, location_id=location_id,
                               caseworker_id=moving.caseworker_id if moving else None, channel=channel,
                               exclude_booking_id=moving.id if moving else None)
        except ValidationFailed as exc:
            errors[exc.field or "_"] = exc.message
            slots = []
        slot_count = len(slots)
        sections = _sections(slots, member)
    locations = service_locations.by_name(db.session)
    booked = svc.upcoming_by_type(db.session, member, now=now) if not type_code and not moving else {}
    return render_template(
        "booking/member_slots.html", member=member, types=svc.member_bookable_types(db.session, member), type_code=type_code,
        booked=booked,
        ctype=TYPES.get(type_code), channel=channel, location_id=location_id, start_day=start_day,
        sections=sections, slot_count=slot_count, errors=errors, locations=locations, moving=moving, existing=existing,
        next_day=start_day + timedelta(days=SLOT_DAYS), prev_day=max(today, start_day - timedelta(days=SLOT_DAYS)),
        today=today, horizon_day=today + rules().horizon, start_param=start_param,
    )


def _cannot_move(member: Member, booking: Booking, now: datetime):
    """The member asked to move a booking they may not move (cancelled, held, too close, arranged with the job
    centre): say why at once, not after they chose a time, and offer a new booking of the type where they may."""
    flash(svc.member_change_refusal(booking, now), "error")
    if booking.status == BookingStatus.BOOKED and booking.starts_at > now:
        return redirect(url_for("booking.member_booking", booking_id=booking.id))
    bookable = svc.member_booking_refusal(db.session, member, TYPES[booking.type]) is None
    return redirect(url_for("booking.member_slots", type=booking.type if bookable else None))


@bp.route("/samtaler/bekraeft", methods=["GET", "POST"])
@role_required("member")
def member_confirm():
    member = _member()
    source = request.form if request.method == "POST" else request.args
    errors: dict = {}
    type_code = source.get("type") or ""
    moving = _booking_to_move(source.get("flyt"))
    if moving is not None and svc.member_change_refusal(moving, utcnow()):
        return _cannot_move(member, moving, utcnow())
    try:
        if moving:
            type_code = moving.type
        ctype = svc.conversation_type(type_code)
        starts_at = parse_start(source.get("start"))
        caseworker = db.session.get(Caseworker, parse_int(source.get("caseworker"), "caseworker") or 0)
        if caseworker is None:
            raise NotFound(_("Sagsbehandleren findes ikke."))
    except DomainError:
        flash(_("Tiden kunne ikke findes. Vælg en tid fra listen."), "error")
        return redirect(url_for("booking.member_slots", type=type_code if type_code in TYPES else None))
    if request.method == "GET" and starts_at <= utcnow():  # an old link or tab: said now, not after "Book"
        flash(_("Tidspunktet er passeret. Vælg en ny tid."), "error")
        return redirect(url_for("booking.member_slots", type=ctype.code, flyt=moving.id if moving else None))
    if request.method == "GET" and not moving and svc.booking_in_the_way(db.session, member, ctype, now=utcnow()):
        return redirect(url_for("booking.member_slots", type=ctype.code))  # which names the one they have
    channel = svc.member_channel(member, ctype, source.get("channel"), moving=moving)
    note = source.get("note") or ""  # shown again whole when refused, so the member can shorten it
    if request.method == "POST":
        try:
            with unit_of_work():
                if moving:
                    booking = svc.reschedule_booking(db.session, moving, starts_at=starts_at, actor=current_user,
                                                     now=utcnow(), channel=channel)
                else:
                    booking = svc.book_slot(db.session, member=member, caseworker_id=caseworker.id,
                                            starts_at=starts_at, type=ctype.code, channel=channel,
                                            actor=current_user, now=utcnow(), note=note)
            flash(_("Samtalen er flyttet. Du får en ny kalenderinvitation på e-mail.") if moving else
                  _("Samtalen er booket. Du får en bekræftelse med kalenderinvitation på e-mail."), "success")
            return redirect(url_for("booking.member_booking", booking_id=booking.id))
        except (Conflict, ValidationFailed, NotAllowed) as exc:
            if isinstance(exc, NotAllowed) or exc.code in ("slot_taken", "conflict", "already_booked") or exc.field == "starts_at":
                if exc.code != "already_booked":  # the slot page says that one itself, with a link to move it
                    flash(exc.message, "error")
                return redirect(url_for("booking.member_slots", type=ctype.code,
                                        flyt=moving.id if moving else None))
            errors[exc.field or "_"] = exc.message
    ends_at = starts_at + ctype.length
    return render_template("booking/confirm.html", ctype=ctype, starts_at=starts_at, ends_at=ends_at,
                           caseworker=caseworker, channel=channel, note=note, errors=errors, moving=moving,
                           start_value=start_param(starts_at), location=_slot_location(caseworker, starts_at))


def _slot_location(caseworker: Caseworker, starts_at: datetime) -> ServiceLocation:
    intervals = avail.open_intervals(db.session, [caseworker.id], starts_at, starts_at + timedelta(minutes=1))
    for interval in intervals.get(caseworker.id, []):
        if interval.starts_at <= starts_at < interval.ends_at:
            return db.session.get(ServiceLocation, interval.location_id)
    return caseworker.location


@bp.route("/samtaler/mine")
@role_required("member")
def member_bookings():
    member = _member()
    now = utcnow()
    bookings = svc.member_bookings(db.session, member, now=now)
    upcoming, past = svc.upcoming_and_past(bookings, now)
    return render_template("booking/my_bookings.html", upcoming=upcoming, past=past, status_names=STATUS_NAMES,
                           types=svc.member_bookable_types(db.session, member))


@bp.route("/samtaler/mine/<int:booking_id>")
@role_required("member")
def member_booking(booking_id: int):
    booking = _own_booking(booking_id)
    now = utcnow()
    changeable = svc.member_may_change(booking, now)
    return render_template("booking/my_booking.html", booking=booking, ctype=TYPES[booking.type],
                           changeable=changeable, status_names=STATUS_NAMES, now=now,
                           min_notice_hours=int(rules().min_notice.total_seconds() // 3600))


@bp.route("/samtaler/mine/<int:booking_id>.ics")
@role_required("member", "caseworker", "admin")
def booking_ics(booking_id: int):
    if current_user.role == "member":
        booking = _own_booking(booking_id)
    else:  # staff: a conversation they may open in the calendar
        booking = staff_visible_booking(booking_id)
    return Response(svc.booking_ics(booking, utcnow()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="samtale-{booking.id}.ics"'})


@bp.route("/samtaler/mine/<int:booking_id>/aflys", methods=["GET", "POST"])
@role_required("member")
def member_cancel(booking_id: int):
    booking = _own_booking(booking_id)
    refusal = svc.member_change_refusal(booking, utcnow(), "cancel")
    if refusal and request.method == "GET":  # said at once, not after "Ja, aflys samtalen"
        flash(refusal, "error")
        return redirect(url_for("booking.member_booking", booking_id=booking.id))
    if request.method == "POST":
        try:
            with unit_of_work():
                svc.cancel_booking(db.session, booking, actor=current_user, now=utcnow())
            flash(_("Samtalen er aflyst. Tiden er givet fri til andre."), "success")
            return redirect(url_for("booking.member_bookings"))
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("booking.member_booking", booking_id=booking.id))
    return render_template("booking/cancel.html", booking=booking, ctype=TYPES[booking.type])


def init_app(app) -> None:
    app.jinja_env.globals.setdefault("booking_start_param", start_param)
    app.jinja_env.globals.setdefault("fund_phone_contact", fund_phone.contact)
