"""Booking conversations: the member's slot list, confirmation, own bookings; the caseworker's calendar,
booking for a member, outcomes and working hours. Views are thin: rules live in portal/services/."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.auth.decorators import role_required
from portal.extensions import db
from portal.models import Booking, Caseworker, Member, ServiceLocation, User
from portal.query_args import db_int
from portal.services import audit
from portal.services import availability as avail
from portal.services import booking as svc
from portal.services.clashes import Clash
from portal.services.conversation_types import CHANNEL_NAMES, STAFF_STATUS_NAMES, STATUS_NAMES, TYPES, rules
from portal.services.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from portal.services.slots import free_slots
from portal.timeutil import LOCAL_TZ, local_today, to_local, utcnow

bp = Blueprint("booking", __name__)

SLOT_DAYS = 14  # the member's list shows two weeks at a time
DAYS_PER_SECTION = 5
START_FORMAT = "%Y%m%dT%H%MZ"  # compact UTC start in links: 20270324T0900Z


@bp.app_context_processor
def _booking_globals():
    return {"conversation_types": TYPES, "channel_names": CHANNEL_NAMES}


# --- parsing -----------------------------------------------------------------------------------------------------

def start_param(value: datetime) -> str:
    return value.astimezone(UTC).strftime(START_FORMAT)


def _parse_start(raw: str | None) -> datetime:
    try:
        return datetime.strptime((raw or "")[:20], START_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed(_("Tidspunktet kunne ikke læses. Vælg en tid fra listen."), field="starts_at") from None


def _parse_date(raw: str | None, default: date | None = None, field: str = "fra") -> date | None:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise ValidationFailed(_("Datoen skal skrives som åååå-mm-dd."), field=field) from None


def _parse_time(raw: str | None, field: str) -> time | None:
    if not raw:
        return None
    try:
        return time.fromisoformat(raw.strip()[:5].replace(".", ":"))
    except ValueError:
        raise ValidationFailed(_("Tiden skal skrives som tt:mm, fx 09:30."), field=field) from None


def _int(raw, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return db_int(str(raw))
    except ValueError:
        raise ValidationFailed(_("Ugyldigt valg."), field=field) from None


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


def _member_types(member: Member) -> list:
    return [t for t in TYPES.values()
            if t.member_bookable and (not t.target_groups or member.target_group in t.target_groups)
            and (not t.member_statuses or member.status in t.member_statuses)]


def _sections(slots, member: Member) -> list[dict]:
    """Own caseworker / same location / nearby, each as days → caseworker rows (first DAYS_PER_SECTION days)."""
    titles = [_("Din egen sagsbehandler"), _("Andre sagsbehandlere i %(place)s", place=member.location.name),
              _("Betjeningssteder i nærheden")]
    buckets: list[dict] = [{"title": t, "days": {}, "own": i == 0} for i, t in enumerate(titles)]
    for slot in slots:
        rank = 0 if slot.own_caseworker else 1 if slot.location_id == member.location_id else 2
        days = buckets[rank]["days"]
        day = to_local(slot.starts_at).date()
        if day not in days and len(days) >= DAYS_PER_SECTION:
            continue
        rows = days.setdefault(day, {})
        rows.setdefault((slot.caseworker_id, slot.location_id), {"slot": slot, "times": []})["times"].append(slot)
    return [b for b in buckets if b["days"]]


@bp.route("/samtaler")
@role_required("member")
def member_slots():
    member = _member()
    now, today = utcnow(), local_today()
    moving = _own_booking(_int(request.args.get("flyt"), "flyt")) if request.args.get("flyt") else None
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
        location_id = _int(request.args.get("location"), "location")
        start_day = max(today, _parse_date(request.args.get("fra"), today))
    except ValidationFailed as exc:
        errors[exc.field or "_"] = exc.message
        start_day = today
    sections, slot_count = [], 0
    refusal = svc.member_booking_refusal(db.session, member, TYPES[type_code]) if type_code and not moving else None
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
    locations = list(db.session.scalars(select(ServiceLocation).order_by(ServiceLocation.name)))
    return render_template(
        "booking/member_slots.html", member=member, types=_member_types(member), type_code=type_code,
        ctype=TYPES.get(type_code), channel=channel, location_id=location_id, start_day=start_day,
        sections=sections, slot_count=slot_count, errors=errors, locations=locations, moving=moving,
        next_day=start_day + timedelta(days=SLOT_DAYS), prev_day=max(today, start_day - timedelta(days=SLOT_DAYS)),
        today=today, horizon_day=today + rules().horizon, start_param=start_param,
    )


@bp.route("/samtaler/bekraeft", methods=["GET", "POST"])
@role_required("member")
def member_confirm():
    member = _member()
    source = request.form if request.method == "POST" else request.args
    errors: dict = {}
    type_code = source.get("type") or ""
    moving = _own_booking(_int(source.get("flyt"), "flyt")) if source.get("flyt") else None
    try:
        if moving:
            type_code = moving.type
        ctype = svc.conversation_type(type_code)
        starts_at = _parse_start(source.get("start"))
        caseworker = db.session.get(Caseworker, _int(source.get("caseworker"), "caseworker") or 0)
        if caseworker is None:
            raise NotFound(_("Sagsbehandleren findes ikke."))
    except DomainError:
        flash(_("Tiden kunne ikke findes. Vælg en tid fra listen."), "error")
        return redirect(url_for("booking.member_slots", type=type_code if type_code in TYPES else None))
    channel = source.get("channel") or (moving.channel if moving else None)
    if channel not in ctype.channels:
        channel = member.preferred_channel if member.preferred_channel in ctype.channels else ctype.channels[0]
    note = source.get("note") or ""  # shown again whole when refused, so the member can shorten it
    if request.method == "POST":
        try:
            if moving:
                booking = svc.reschedule_booking(db.session, moving, starts_at=starts_at, actor=current_user,
                                                 now=utcnow(), channel=channel)
                db.session.commit()
                flash(_("Samtalen er flyttet. Du får en ny kalenderinvitation på e-mail."), "success")
            else:
                booking = svc.book_slot(db.session, member=member, caseworker_id=caseworker.id, starts_at=starts_at,
                                        type=ctype.code, channel=channel, actor=current_user, now=utcnow(),
                                        note=note)
                db.session.commit()
                flash(_("Samtalen er booket. Du får en bekræftelse med kalenderinvitation på e-mail."), "success")
            return redirect(url_for("booking.member_booking", booking_id=booking.id))
        except (Conflict, ValidationFailed, NotAllowed) as exc:
            db.session.rollback()
            if isinstance(exc, NotAllowed) or exc.code in ("slot_taken", "conflict") or exc.field == "starts_at":
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
    upcoming = sorted((b for b in bookings if b.status == "booked" and b.ends_at > now), key=lambda b: b.starts_at)
    past = [b for b in bookings if b not in upcoming]
    return render_template("booking/my_bookings.html", upcoming=upcoming, past=past, status_names=STATUS_NAMES,
                           types=_member_types(member))


@bp.route("/samtaler/mine/<int:booking_id>")
@role_required("member")
def member_booking(booking_id: int):
    booking = _own_booking(booking_id)
    now = utcnow()
    changeable = booking.status == "booked" and booking.starts_at - now >= rules().min_notice
    return render_template("booking/my_booking.html", booking=booking, ctype=TYPES[booking.type],
                           changeable=changeable, status_names=STATUS_NAMES, now=now,
                           min_notice_hours=int(rules().min_notice.total_seconds() // 3600))


@bp.route("/samtaler/mine/<int:booking_id>.ics")
@role_required("member", "caseworker", "admin")
def booking_ics(booking_id: int):
    booking = svc.get_booking_for(db.session, booking_id, current_user) if current_user.role != "member" \
        else _own_booking(booking_id)
    return Response(svc.booking_ics(booking, utcnow()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="samtale-{booking.id}.ics"'})


@bp.route("/samtaler/mine/<int:booking_id>/aflys", methods=["GET", "POST"])
@role_required("member")
def member_cancel(booking_id: int):
    booking = _own_booking(booking_id)
    if request.method == "POST":
        try:
            svc.cancel_booking(db.session, booking, actor=current_user, now=utcnow())
            db.session.commit()
            flash(_("Samtalen er aflyst. Tiden er givet fri til andre."), "success")
            return redirect(url_for("booking.member_bookings"))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("booking.member_booking", booking_id=booking.id))
    return render_template("booking/cancel.html", booking=booking, ctype=TYPES[booking.type])


# --- caseworker --------------------------------------------------------------------------------------------------

def _staff_caseworker() -> Caseworker:
    """The caseworker whose calendar is shown: oneself, or for an admin the one chosen (?sagsbehandler=id)."""
    wanted = request.values.get("sagsbehandler", type=db_int)
    if current_user.role == "admin":
        caseworker = db.session.get(Caseworker, wanted) if wanted else None
        if caseworker is None:
            caseworker = db.session.scalar(select(Caseworker).order_by(Caseworker.id).limit(1))
    else:
        caseworker = current_user.caseworker
    if caseworker is None:
        abort(404)
    return caseworker


def _cw_args(caseworker: Caseworker) -> dict:
    return {"sagsbehandler": caseworker.id} if current_user.role == "admin" else {}


@bp.route("/kalender")
@role_required("caseworker", "admin")
def caseworker_calendar():
    caseworker = _staff_caseworker()
    today = local_today()
    view = "day" if request.args.get("visning") == "dag" else "week"
    try:
        day = _parse_date(request.args.get("dato"), today, "dato")
    except ValidationFailed as exc:
        flash(exc.message, "error")
        day = today
    first = day if view == "day" else day - timedelta(days=day.weekday())
    days = [first + timedelta(days=i) for i in range(1 if view == "day" else 7)]
    bookings = svc.caseworker_bookings(db.session, caseworker.id, local_midnight(days[0]),
                                       local_midnight(days[-1] + timedelta(days=1)))
    by_day = {d: [] for d in days}
    for b in bookings:
        by_day.setdefault(to_local(b.starts_at).date(), []).append(b)
    if view == "week":  # the weekend only when something is booked then
        days = [d for d in days if d.weekday() < 5 or by_day[d]]
    audit.record(db.session, current_user, "booking.calendar_view", detail={
        "caseworker_id": caseworker.id, "from": days[0].isoformat(), "days": len(days), "bookings": len(bookings)})
    step = timedelta(days=1 if view == "day" else 7)
    caseworkers = list(db.session.execute(
        select(Caseworker.id, User.display_name).join(User, Caseworker.user_id == User.id)
        .order_by(User.display_name))) if current_user.role == "admin" else []
    html = render_template("booking/calendar.html", caseworker=caseworker, view=view, day=day, days=days,
                           by_day=by_day, prev_day=day - step, next_day=day + step, today=today,
                           status_names=STAFF_STATUS_NAMES, cw_args=_cw_args(caseworker), caseworkers=caseworkers,
                           now=utcnow())
    db.session.commit()  # after rendering: a commit expires the loaded bookings, and each would be read again
    return html


def _staff_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    return booking


@bp.route("/kalender/samtale/<int:booking_id>", methods=["GET", "POST"])
@role_required("caseworker", "admin")
def staff_booking(booking_id: int):
    booking = _staff_booking(booking_id)
    errors: dict = {}
    form = request.form
    if request.method == "POST":
        action = form.get("action")
        now = utcnow()
        try:
            if action == "outcome":
                svc.register_outcome(db.session, booking, outcome=form.get("outcome", ""), actor=current_user,
                                     now=now, reason=form.get("reason"))
                message = _("Udfaldet er registreret.")
            elif action == "move":
                day = _parse_date(form.get("day"), None, "day")
                at = _parse_time(form.get("time"), "time")
                if day is None or at is None:
                    raise ValidationFailed(_("Angiv ny dato og tid."), field="day")
                starts_at = datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)
                svc.reschedule_booking(db.session, booking, starts_at=starts_at, actor=current_user, now=now,
                                       reason=form.get("reason"))
                message = _("Samtalen er flyttet, og medlemmet har fået besked med begrundelsen.")
            elif action == "cancel":
                svc.cancel_booking(db.session, booking, actor=current_user, now=now, reason=form.get("reason"))
                message = _("Samtalen er aflyst, og medlemmet har fået besked med begrundelsen.")
            else:
                raise ValidationFailed(_("Ukendt handling."))
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("booking.staff_booking", booking_id=booking.id))
        except DomainError as exc:
            db.session.rollback()
            errors = {f"{action}-{exc.field or 'form'}": exc.message}
            booking = _staff_booking(booking_id)
    audit.record(db.session, current_user, "booking.view", member_id=booking.member_id, target=booking)
    db.session.commit()
    return render_template("booking/staff_booking.html", booking=booking, ctype=TYPES[booking.type],
                           errors=errors, form=form, status_names=STAFF_STATUS_NAMES, now=utcnow(),
                           cw_args=_cw_args(booking.caseworker)), (422 if errors else 200)


@bp.route("/kalender/ny", methods=["GET", "POST"])
@role_required("caseworker", "admin")
def staff_new():
    """Book for a member: find the member, pick type (the joint conversation only here) and a free time."""
    caseworker = _staff_caseworker()
    source = request.form if request.method == "POST" else request.args
    errors: dict = {}
    clash = None
    number = (source.get("medlem") or "").strip()[:12]
    type_code = source.get("type") or ""
    channel = source.get("channel") or None
    member = None
    slots = []
    try:
        from_day = max(local_today(), _parse_date(source.get("fra"), local_today()))
    except ValidationFailed as exc:
        errors["fra"] = exc.message
        from_day = local_today()
    if number:
        member = db.session.scalar(select(Member).where(Member.member_number == number))
        if member is None:
            errors["medlem"] = _("Der er intet medlem med nummer %(number)s.", number=number)
    if type_code and type_code not in TYPES:
        errors["type"] = _("Vælg en samtaletype fra listen.")
    elif member is not None and type_code and (refusal := svc.staff_type_refusal(member, TYPES[type_code])):
        errors["type"] = refusal
    if request.method == "POST" and member is not None and not errors:
        try:
            starts_at = _parse_start(source.get("start"))
            booking = svc.book_slot(db.session, member=member, caseworker_id=caseworker.id, starts_at=starts_at,
                                    type=type_code, channel=channel or TYPES[type_code].channels[0],
                                    actor=current_user, now=utcnow(), note=source.get("note"),
                                    override_reason=source.get("override_reason"))
            db.session.commit()
            flash(_("Samtalen er booket, og medlemmet har fået en bekræftelse."), "success")
            return redirect(url_for("booking.staff_booking", booking_id=booking.id))
        except Clash as exc:  # the member is elsewhere then: say where, and offer to go ahead with a reason
            db.session.rollback()
            clash = {"message": exc.message, "start": source.get("start"), "reason": source.get("override_reason")}
        except DomainError as exc:
            db.session.rollback()
            errors[exc.field or "_"] = exc.message
    if member is not None and type_code in TYPES and "type" not in errors:
        audit.record(db.session, current_user, "booking.member_lookup", member_id=member.id)
        db.session.commit()
        start = local_midnight(from_day)
        try:
            slots = free_slots(db.session, type=type_code, start=start, end=start + timedelta(days=7),
                               now=utcnow(), member=member, caseworker_id=caseworker.id, channel=channel, staff=True)
        except ValidationFailed as exc:
            errors[exc.field or "_"] = exc.message
    by_day: dict = {}
    for slot in slots:
        by_day.setdefault(to_local(slot.starts_at).date(), []).append(slot)
    return render_template("booking/staff_new.html", caseworker=caseworker, member=member, number=number,
                           type_code=type_code, channel=channel, by_day=by_day, errors=errors, from_day=from_day,
                           next_day=from_day + timedelta(days=7), cw_args=_cw_args(caseworker),
                           start_param=start_param, searched=bool(number and type_code), clash=clash), \
        (422 if (errors or clash) and request.method == "POST" else 200)


@bp.route("/kalender/arbejdstider", methods=["GET", "POST"])
@role_required("caseworker", "admin")
def working_hours():
    caseworker = _staff_caseworker()
    errors: dict = {}
    affected: list = []
    form = request.form
    if request.method == "POST":
        action = form.get("action")
        now = utcnow()
        try:
            if action == "add_hours":
                avail.add_working_hours(
                    db.session, caseworker=caseworker, location_id=_int(form.get("location_id"), "location_id"),
                    weekday=_int(form.get("weekday"), "weekday"), start_time=_parse_time(form.get("start_time"),
                                                                                         "start_time"),
                    end_time=_parse_time(form.get("end_time"), "end_time"), actor=current_user, now=now)
                message = _("Arbejdstiden er tilføjet.")
            elif action == "remove_hours":
                avail.remove_working_hours(db.session, _int(form.get("id"), "id") or 0, caseworker=caseworker,
                                           actor=current_user, now=now)
                message = _("Arbejdstiden er fjernet.")
            elif action == "add_exception":
                _item, affected = avail.add_exception(
                    db.session, caseworker=caseworker, day=_parse_date(form.get("day"), None, "day"),
                    kind=form.get("kind", ""), start_time=_parse_time(form.get("ex_start_time"), "ex_start_time"),
                    end_time=_parse_time(form.get("ex_end_time"), "ex_end_time"),
                    location_id=_int(form.get("ex_location_id"), "ex_location_id"), note=form.get("note"),
                    actor=current_user, today=local_today(), now=now)
                message = _("Undtagelsen er gemt.")
            elif action == "remove_exception":
                avail.remove_exception(db.session, _int(form.get("id"), "id") or 0, caseworker=caseworker,
                                       actor=current_user, now=now)
                message = _("Undtagelsen er fjernet.")
            else:
                raise ValidationFailed(_("Ukendt handling."))
            db.session.commit()
            flash(message, "success")
            if affected:
                flash(_("Du har %(n)s bookede samtaler i fraværet. Flyt eller aflys dem i kalenderen.",
                        n=len(affected)), "warning")
            return redirect(url_for("booking.working_hours", **_cw_args(caseworker)))
        except DomainError as exc:
            db.session.rollback()
            field = exc.field or "_"
            if action == "add_exception" and field in ("start_time", "end_time", "location_id"):
                field = "ex_" + field
            errors[field] = exc.message
    today = local_today()
    locations = list(db.session.scalars(select(ServiceLocation).order_by(ServiceLocation.name)))
    return render_template(
        "booking/hours.html", caseworker=caseworker, hours=avail.weekly_hours(db.session, caseworker.id),
        exceptions=avail.exceptions(db.session, caseworker.id, today, today + timedelta(days=365)),
        locations=locations, weekdays=avail.WEEKDAYS, errors=errors, form=form, cw_args=_cw_args(caseworker),
    ), (422 if errors else 200)


def _upcoming_count(user) -> dict | None:
    """Staff badge: today's remaining booked conversations."""
    caseworker = getattr(user, "caseworker", None)
    if caseworker is None:
        return None
    count = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.caseworker_id == caseworker.id, Booking.status == "booked", Booking.ends_at > utcnow(),
        Booking.starts_at < local_midnight(local_today() + timedelta(days=1))))
    if not count:
        return None
    return {"label": _("Samtaler i dag"), "count": count, "url": url_for("booking.caseworker_calendar", visning="dag")}


def init_app(app) -> None:
    from portal.templating import STAFF_BADGE_PROVIDERS

    if _upcoming_count not in STAFF_BADGE_PROVIDERS:
        STAFF_BADGE_PROVIDERS.append(_upcoming_count)
    app.jinja_env.globals.setdefault("booking_start_param", start_param)


