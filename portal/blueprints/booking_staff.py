"""Booking conversations, the staff's side (on the booking blueprint): the caseworker's calendar, booking for a
member, outcomes, and working hours and absence; the staff badge of today's conversations. Views are thin: rules
live in portal/services/."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal import staff_badges
from portal.auth.decorators import role_required
from portal.blueprints.booking import (
    bp,
    local_midnight,
    parse_start,
    staff_scope,
    staff_visible_booking,
    start_param,
)
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import Booking, Caseworker, User
from portal.models.statuses import BookingStatus
from portal.query_args import db_int
from portal.services import access
from portal.services import locations as service_locations
from portal.services.booking import availability as avail
from portal.services.booking import booking as svc
from portal.services.booking.clashes import Clash
from portal.services.booking.conversation_types import STAFF_STATUS_NAMES, TYPES, format_when
from portal.services.booking.slots import STAFF_HORIZON, free_slots
from portal.services.errors import DomainError, NotAllowed, ValidationFailed
from portal.services.form_values import parse_date
from portal.services.jobcentre import joint_conversation
from portal.staff_badges import CountedBadge
from portal.timeutil import local_today, to_local, utcnow
from portal.unit_of_work import unit_of_work


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


# Where each page shows a service's error, by the form's action and the field the error names (DomainError.field):
# the id of the field a person corrects, which the error summary links to and which names the error line (a radio
# group: its first button). An error naming no field of the form (a rule, a hidden id, the time picked from the
# list) is keyed "_": the error summary says it, linked to nothing.
_HOURS_ERROR_IDS = {
    "add_hours": {"weekday": "weekday", "start_time": "start_time", "end_time": "end_time",
                  "location_id": "location_id"},
    "add_exception": {"kind": "kind-absence", "day": "day", "start_time": "ex_start_time",
                      "ex_start_time": "ex_start_time", "end_time": "ex_end_time", "ex_end_time": "ex_end_time",
                      "location_id": "ex_location_id", "ex_location_id": "ex_location_id", "note": "note"},
}
_BOOKING_ERROR_IDS = {
    "outcome": {"outcome": "outcome-held"},
    "move": {"day": "move-day", "time": "move-time", "starts_at": "move-time", "reason": "move-reason",
             "override_reason": "move-override_reason"},
    "cancel": {"reason": "cancel-reason"},
}
_NEW_ERROR_IDS = {"type": "type", "channel": "channel"}  # the search form's; a booked time is picked from the list


def _staff_forms(booking: Booking) -> set[str]:
    """The forms (their actions) the booking's page shows now: the outcome once it has begun, else move and cancel."""
    now = utcnow()
    if booking.status == BookingStatus.BOOKED and booking.starts_at > now:
        return {"move", "cancel"}
    if booking.status in (BookingStatus.BOOKED, BookingStatus.HELD, BookingStatus.NO_SHOW) and booking.starts_at <= now:
        return {"outcome"}
    return set()


@bp.route("/kalender")
@role_required("caseworker", "admin")
def caseworker_calendar():
    caseworker = _staff_caseworker()
    today = local_today()
    view = "day" if request.args.get("visning") == "dag" else "week"
    try:
        day = parse_date(request.args.get("dato"), today, "dato")
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
    changes: dict = {}  # absence and extra time, as the working-hours page set them: shown on their days
    for item in avail.exceptions(db.session, caseworker.id, days[0], days[-1]):
        changes.setdefault(item.day, []).append(item)
    in_absence = {b.id for b in bookings if b.status == BookingStatus.BOOKED and avail.falls_in_absence(
        b, changes.get(to_local(b.starts_at).date(), []))}  # to be moved: marked
    if view == "week":  # the weekend only when something is booked (or extra time is set) then
        days = [d for d in days if d.weekday() < 5 or by_day[d] or changes.get(d)]
    step = timedelta(days=1 if view == "day" else 7)
    caseworkers = list(db.session.execute(
        select(Caseworker.id, User.display_name).join(User, Caseworker.user_id == User.id)
        .order_by(User.display_name))) if current_user.role == "admin" else []
    # Committed after rendering: a commit expires the loaded bookings, and each would be read again.
    with unit_of_work():
        svc.record_calendar_view(db.session, current_user, caseworker, days, bookings, now=utcnow())
        html = render_template("booking/calendar.html", caseworker=caseworker, view=view, day=day, days=days,
                               by_day=by_day, changes=changes, in_absence=in_absence, prev_day=day - step, next_day=day + step, today=today,
                               status_names=STAFF_STATUS_NAMES, cw_args=_cw_args(caseworker),
                               caseworkers=caseworkers, now=utcnow())
    return html




@bp.route("/kalender/samtale/<int:booking_id>", methods=["GET", "POST"])
@role_required("caseworker", "admin")
def staff_booking(booking_id: int):
    booking = staff_visible_booking(booking_id)
    errors: dict = {}
    form = request.form
    refusal = access.booking_change_refusal(staff_scope(), booking)
    if request.method == "POST":
        action = form.get("action")
        now = utcnow()
        if refusal:
            raise NotAllowed(refusal)
        try:
            with unit_of_work():
                message = svc.staff_booking_action(db.session, booking, action, form, actor=current_user, now=now)
            flash(message, "success")
            return redirect(url_for("booking.staff_booking", booking_id=booking.id))
        except DomainError as exc:
            booking = staff_visible_booking(booking_id)
            # a form sent from a page the booking has since left (begun, cancelled) is no longer shown: no field
            ids = _BOOKING_ERROR_IDS.get(action, {}) if action in _staff_forms(booking) else {}
            errors = {ids.get(exc.field, "_"): exc.message}
    with unit_of_work():
        svc.record_booking_view(db.session, current_user, booking, now=utcnow())
    invitation = joint_conversation.latest_invitation(db.session, booking)
    counter_time = joint_conversation.counter_proposal(invitation)
    counter = to_local(counter_time) if counter_time else None
    return render_template("booking/staff_booking.html", booking=booking, ctype=TYPES[booking.type],
                           errors=errors, form=form, status_names=STAFF_STATUS_NAMES, now=utcnow(),
                           cw_args=_cw_args(booking.caseworker), invitation=invitation, counter=counter,
                           change_refusal=refusal, forms=set() if refusal else _staff_forms(booking)), \
        (422 if errors else 200)


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
    listed = False  # the week's free times were looked up: shown beside an error a new pick corrects (a time taken)
    try:
        from_day = parse_date(source.get("fra"), local_today())
        from_day_passed = from_day < local_today()
        if from_day_passed:
            if request.method == "GET":  # said, not silently moved; a booking sent on a stale form is not stopped
                errors["fra"] = _("Datoen er passeret. Tiderne vises fra i dag.")
            from_day = local_today()
    except ValidationFailed as exc:
        errors["fra"] = exc.message
        from_day, from_day_passed = local_today(), False
    if from_day > local_today() + STAFF_HORIZON:
        errors["fra"] = _("Samtaler kan højst bookes et år frem. Tjek datoen.")
        from_day = local_today()
    listable = "fra" not in errors or from_day_passed  # a past day is listed from today, as its error says
    if number:
        member = access.member_by_number(db.session, number)
        scope = staff_scope()
        if member is None or access.view_reason(db.session, scope, member) is None:  # no hint that it exists
            member = None
            errors["medlem"] = _("Der er intet medlem med nummer %(number)s, som du har adgang til.", number=number)
        elif refusal := access.booking_refusal(scope, member):  # seen, not changed: nothing booked or looked up
            member = None
            errors["medlem"] = refusal
    elif "medlem" in source:  # the form was sent with the number left empty (not a first visit)
        errors["medlem"] = _("Skriv medlemsnummeret på den, du vil booke for.")
    if type_code and type_code not in TYPES:
        errors["type"] = _("Vælg en samtaletype fra listen.")
    elif member is not None and type_code and (refusal := svc.staff_type_refusal(member, TYPES[type_code])):
        errors["type"] = refusal
    if request.method == "POST" and member is not None and not errors:
        try:
            starts_at = parse_start(source.get("start"))
            with unit_of_work():
                booking = svc.book_slot(db.session, member=member, caseworker_id=caseworker.id,
                                        starts_at=starts_at, type=type_code,
                                        channel=channel or TYPES[type_code].channels[0], actor=current_user,
                                        now=utcnow(), note=source.get("note"),
                                        override_reason=source.get("override_reason"))
            flash(_("Samtalen er booket, og medlemmet har fået en bekræftelse."), "success")
            return redirect(url_for("booking.staff_booking", booking_id=booking.id))
        except Clash as exc:  # the member is elsewhere then: say where, and offer to go ahead with a reason
            clash = {"message": exc.message, "start": source.get("start"), "reason": source.get("override_reason")}
            if source.get("clash_form"):  # "Book alligevel" sent with the reason left empty (or only spaces)
                errors["override_reason"] = _("Skriv en begrundelse for at booke alligevel.")
        except DomainError as exc:
            if exc.context.get("clash"):  # the reason to book anyway was refused: ask again, at the clash
                clash = {"message": exc.context["clash"], "start": source.get("start"),
                         "reason": source.get("override_reason")}
                errors["override_reason"] = exc.message
            else:
                errors[_NEW_ERROR_IDS.get(exc.field, "_")] = exc.message
    if member is not None and type_code in TYPES and "type" not in errors:
        with unit_of_work():
            svc.record_member_lookup(db.session, current_user, member, now=utcnow())
        start = local_midnight(from_day)
        try:
            slots = free_slots(db.session, type=type_code, start=start, end=start + timedelta(days=7),
                               now=utcnow(), member=member, caseworker_id=caseworker.id, channel=channel, staff=True)
            listed = listable
        except ValidationFailed as exc:
            errors[_NEW_ERROR_IDS.get(exc.field, "_")] = exc.message
    existing = (svc.upcoming_booking_of_type(db.session, member, TYPES[type_code], now=utcnow())
                if member is not None and type_code in TYPES else None)  # a second one only on purpose
    by_day: dict = {}
    for slot in sorted(slots, key=lambda s: s.starts_at):  # free_slots ranks by place first: the page is by day
        by_day.setdefault(to_local(slot.starts_at).date(), []).append(slot)
    return render_template("booking/staff_new.html", caseworker=caseworker, member=member, number=number,
                           type_code=type_code, channel=channel, by_day=by_day, errors=errors, from_day=from_day,
                           next_day=from_day + timedelta(days=7), cw_args=_cw_args(caseworker),
                           start_param=start_param, listed=listed, clash=clash,
                           member_busy_listed=any(slot.member_busy for slot in slots),
                           existing=existing, today=local_today(),
                           joint_deadline=joint_conversation.joint_deadline(member)
                           if member is not None and type_code == "joint" else None), \
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
            with unit_of_work():
                message, affected = avail.working_hours_action(db.session, caseworker, action, form,
                                                                actor=current_user, today=local_today(), now=now)
            flash(message, "success")
            if affected:  # named one by one: each is to be moved or cancelled
                flash(ngettext("Denne bookede samtale ligger nu uden for din arbejdstid: %(list)s. Flyt eller "
                               "aflys den i kalenderen.",
                               "Disse %(num)s bookede samtaler ligger nu uden for din arbejdstid: %(list)s. Flyt "
                               "eller aflys dem i kalenderen.", len(affected),
                               list="; ".join(f"{format_when(b.starts_at)} ({b.member.full_name})"
                                              for b in affected[:10]) + (" …" if len(affected) > 10 else "")),
                      "warning")
            return redirect(url_for("booking.working_hours", **_cw_args(caseworker)))
        except DomainError as exc:
            errors[_HOURS_ERROR_IDS.get(action, {}).get(exc.field, "_")] = exc.message
    today = local_today()
    locations = service_locations.by_name(db.session)
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
    return CountedBadge(svc.remaining_today_count(caseworker.id, now=utcnow(), today=local_today()), _today_badge)


def _today_badge(count: int) -> dict | None:
    if not count:
        return None
    return {"label": _("Samtaler i dag"), "count": count, "url": url_for("booking.caseworker_calendar", visning="dag")}


def init_app(app) -> None:
    if _upcoming_count not in staff_badges.PROVIDERS:
        staff_badges.PROVIDERS.append(_upcoming_count)
