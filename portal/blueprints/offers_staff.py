"""Staff views of offers (on the offers blueprint): list, editor, sessions, check-in list, right-and-duty."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from portal import form_once_web
from portal.auth.decorators import role_required
from portal.blueprints.offers import bp
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models.offers import (
    AUDIENCES,
    FVU_SUBJECTS,
    OFFER_KINDS,
    THEME_TOPICS,
    WEBINAR_TOPICS,
    Offer,
    OfferRegistration,
    OfferSession,
)
from portal.query_args import db_id
from portal.services import form_once
from portal.services import locations as service_locations
from portal.services.errors import DomainError, NotFound, ValidationFailed
from portal.services.offers import fvu_feedback, offer_editing, waitlist
from portal.services.offers import offers as svc
from portal.timeutil import to_local, utcnow
from portal.unit_of_work import unit_of_work

STAFF = ("caseworker", "admin")
PAGE = 50


def _form_choices() -> dict:
    return {"kinds": OFFER_KINDS, "webinar_topics": WEBINAR_TOPICS, "theme_topics": THEME_TOPICS,
            "fvu_subjects": FVU_SUBJECTS, "audiences": AUDIENCES}


def _offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(_("Tilbuddet findes ikke."))
    return offer


@bp.route("/personale/tilbud")
@role_required(*STAFF)
def staff_list():
    now = utcnow()
    kind = request.args.get("type") if request.args.get("type") in OFFER_KINDS else None
    # A caseworker starts at their own location (and online sessions); "alle" shows every location.
    own = current_user.caseworker.location_id if current_user.caseworker else None
    location = request.args.get("sted", str(own) if own else "alle")
    location_id = db_id(location)
    show_inactive = request.args.get("inaktive") == "1"
    offer_list, stats = offer_editing.staff_catalogue(db.session, kind=kind, location_id=location_id,
                                                      show_inactive=show_inactive, now=now)
    return render_template("offers/staff_list.html", offers=offer_list, stats=stats, kind=kind,
                           location=location, show_inactive=show_inactive, locations=service_locations.by_name(db.session))


@bp.route("/personale/tilbud/ny", methods=["GET", "POST"])
@role_required(*STAFF)
def offer_new():
    errors = {}
    if request.method == "POST":
        try:
            with unit_of_work():
                claimed = form_once_web.claim(utcnow())
                offer = offer_editing.create_offer(db.session, _offer_data(), actor=current_user, now=utcnow())
                form_once.made(claimed, url_for("offers.staff_offer", offer_id=offer.id))
        except form_once.AlreadySent as sent:
            return form_once_web.already_sent(sent, url_for("offers.staff_list"))
        except ValidationFailed as err:
            errors = err.errors or {"_": err.message}
        else:
            flash(_("Tilbuddet er oprettet. Opret nu et eller flere hold."), "success")
            return redirect(url_for("offers.staff_offer", offer_id=offer.id))
    values = _offer_data() if request.method == "POST" else {"active": True, "audiences": ["1", "2a", "2b"],
                                                               "hold_hours": waitlist.default_hold_hours()}
    return render_template("offers/offer_form.html", offer=None, values=values, errors=errors,
                           **_form_choices()), (422 if errors else 200)


def _offer_data() -> dict:
    data = {k: request.form.get(k, "")[:6000] for k in (
        "kind", "title", "description", "topic", "fvu_subject", "provider", "course_hours", "hold_hours")}
    for flag in ("sosu_variant", "requires_fvu_test", "active"):
        data[flag] = request.form.get(flag) == "1"
    data["audiences"] = request.form.getlist("audiences")
    return data


def _offer_values(offer: Offer) -> dict:
    return {"kind": offer.kind, "title": offer.title, "description": offer.description, "topic": offer.topic,
            "fvu_subject": offer.fvu_subject, "provider": offer.provider, "course_hours": offer.course_hours,
            "hold_hours": offer.hold_hours, "sosu_variant": offer.sosu_variant,
            "requires_fvu_test": offer.requires_fvu_test, "active": offer.active, "audiences": offer.audiences}


@bp.route("/personale/tilbud/<int:offer_id>/rediger", methods=["GET", "POST"])
@role_required(*STAFF)
def offer_edit(offer_id: int):
    offer = _offer(offer_id)
    errors = {}
    if request.method == "POST":
        try:
            with unit_of_work():
                offer_editing.update_offer(db.session, offer, _offer_data(), actor=current_user, now=utcnow(),
                                           seen=request.form.get("seen") or None)
        except ValidationFailed as err:
            errors = err.errors or {"_": err.message}
        else:
            flash(_("Ændringerne er gemt."), "success")
            return redirect(url_for("offers.staff_offer", offer_id=offer.id))
    values = _offer_data() if request.method == "POST" else _offer_values(offer)
    return render_template("offers/offer_form.html", offer=offer, values=values, errors=errors,
                           **_form_choices()), (422 if errors else 200)


@bp.route("/personale/tilbud/<int:offer_id>")
@role_required(*STAFF)
def staff_offer(offer_id: int):
    offer = _offer(offer_id)
    now = utcnow()
    past = request.args.get("tidligere") == "1"
    sessions = offer_editing.offer_sessions(db.session, offer, past=past, now=now)
    return render_template("offers/staff_offer.html", offer=offer, sessions=sessions, past=past,
                           waits=svc.waitlist_lengths(db.session, [s.id for s in sessions]))


def _session_data() -> dict:
    return {k: request.form.get(k, "")[:400] for k in (
        "start_date", "start_time", "end_date", "end_time", "capacity", "location_id", "venue", "online_link")}


def _session_values(s: OfferSession) -> dict:
    start, end = to_local(s.starts_at), to_local(s.ends_at)
    return {"start_date": start.date().isoformat(), "start_time": start.strftime("%H:%M"),
            "end_date": end.date().isoformat() if end.date() != start.date() else "",
            "end_time": end.strftime("%H:%M"), "capacity": s.capacity, "location_id": s.location_id or "",
            "venue": s.venue or "", "online_link": s.online_link or ""}


@bp.route("/personale/tilbud/<int:offer_id>/hold/ny", methods=["GET", "POST"])
@role_required(*STAFF)
def session_new(offer_id: int):
    offer = _offer(offer_id)
    errors = {}
    if request.method == "POST":
        try:
            with unit_of_work():
                claimed = form_once_web.claim(utcnow())
                offer_session = offer_editing.create_session(db.session, offer, _session_data(), actor=current_user,
                                                             now=utcnow())
                form_once.made(claimed, url_for("offers.staff_session", session_id=offer_session.id))
        except form_once.AlreadySent as sent:
            return form_once_web.already_sent(sent, url_for("offers.staff_offer", offer_id=offer.id))
        except ValidationFailed as err:
            errors = err.errors or {"_": err.message}
        else:
            flash(_("Holdet er oprettet."), "success")
            if request.form.get("again") == "1":
                return redirect(url_for("offers.session_new", offer_id=offer.id))
            return redirect(url_for("offers.staff_session", session_id=offer_session.id))
    values = _session_data() if request.method == "POST" else {"capacity": 20}
    return render_template("offers/session_form.html", offer=offer, offer_session=None, values=values,
                           errors=errors, locations=service_locations.by_name(db.session)), (422 if errors else 200)


def _session(session_id: int) -> OfferSession:
    return svc.get_session(db.session, session_id)


@bp.route("/personale/tilbud/hold/<int:session_id>/rediger", methods=["GET", "POST"])
@role_required(*STAFF)
def session_edit(session_id: int):
    offer_session = _session(session_id)
    errors = {}
    if request.method == "POST":
        now = utcnow()
        try:
            with unit_of_work():
                offer_editing.update_session(db.session, offer_session, _session_data(), actor=current_user, now=now)
        except ValidationFailed as err:
            errors = err.errors or {"_": err.message}
        else:
            flash(_("Holdet er gemt. Tilmeldte får besked, hvis tid eller sted er ændret."), "success")
            if offered := waitlist.seats_offered_at(db.session, session_id, now):  # more seats: the line moved
                flash(ngettext("%(num)d på ventelisten har fået tilbudt en plads og har fået besked.",
                               "%(num)d på ventelisten har fået tilbudt en plads og har fået besked.", offered),
                      "success")
            return redirect(url_for("offers.staff_session", session_id=session_id))
        offer_session = _session(session_id)
    values = _session_data() if request.method == "POST" else _session_values(offer_session)
    return render_template("offers/session_form.html", offer=offer_session.offer, offer_session=offer_session,
                           values=values, errors=errors, locations=service_locations.by_name(db.session)), (422 if errors else 200)


@bp.route("/personale/tilbud/hold/<int:session_id>")
@role_required(*STAFF)
def staff_session(session_id: int, errors: dict | None = None, status: int = 200, feedback_for: int | None = None):
    """The session with its check-in list and waiting list (a staff read of personal data: audited); FVU courses
    also show each participant's latest course feedback and a form to record it (feedback_for: the row whose
    form failed validation, shown open with its errors)."""
    offer_session = _session(session_id)
    now = utcnow()
    with unit_of_work():
        checkin = svc.open_checkin_list(db.session, current_user, offer_session, now=now)
    return render_template("offers/staff_session.html", s=offer_session, offer=offer_session.offer,
                           seated=checkin.seated, waiting=checkin.waiting, ended=checkin.ended, now=now,
                           errors=errors or {}, feedback=checkin.feedback, feedback_for=feedback_for,
                           feedback_allowed=checkin.feedback_allowed,
                           hours_limit=fvu_feedback.offer_hours_limit(offer_session.offer),
                           check_in_open=checkin.check_in_open,
                           form=request.form), status


def _staff_action(session_id: int, action, done: str, anchor: str = ""):
    try:
        with unit_of_work():
            action()
    except ValidationFailed as err:
        return staff_session(session_id, errors=err.errors or {"_": err.message}, status=422)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("offers.staff_session", session_id=session_id) + anchor)


@bp.route("/personale/tilbud/hold/<int:session_id>/aflys", methods=["POST"])
@role_required(*STAFF)
def session_cancel(session_id: int):
    offer_session = _session(session_id)
    return _staff_action(session_id, lambda: offer_editing.cancel_session(
        db.session, offer_session, reason=request.form.get("reason", "")[:2000], actor=current_user, now=utcnow()),
        _("Holdet er aflyst, og alle tilmeldte og ventende har fået besked."))


@bp.route("/personale/tilbud/hold/<int:session_id>/ret-og-pligt", methods=["POST"])
@role_required(*STAFF)
def assign(session_id: int):
    number = request.form.get("member_number", "").strip()[:12]
    return _staff_action(session_id, lambda: svc.assign_right_and_duty_by_number(
        db.session, number, session_id, actor=current_user, now=utcnow(),
        override_reason=request.form.get("override_reason")),
        _("Holdet er tildelt som ret- og pligttilbud, og medlemmet har fået besked."), "#ret-og-pligt")


def _staff_registration(reg_id: int) -> OfferRegistration:
    reg = db.session.get(OfferRegistration, reg_id)
    if reg is None:
        raise NotFound(_("Tilmeldingen findes ikke."))
    return reg


@bp.route("/personale/tilbud/tilmelding/<int:reg_id>/fremmoede", methods=["POST"])
@role_required(*STAFF)
def attendance(reg_id: int):
    reg = _staff_registration(reg_id)
    attended = request.form.get("attended") == "1"
    return _staff_action(reg.session_id, lambda: svc.record_attendance(
        db.session, reg, attended=attended, hours=request.form.get("hours") or None,
        note=request.form.get("note") if "note" in request.form else None, actor=current_user, now=utcnow()),
        _("Fremmøde registreret for %(name)s.", name=reg.member.full_name), f"#r{reg.id}")


@bp.route("/personale/tilbud/tilmelding/<int:reg_id>/afmeld", methods=["POST"])
@role_required(*STAFF)
def staff_cancel(reg_id: int):
    reg = _staff_registration(reg_id)
    return _staff_action(reg.session_id, lambda: svc.cancel_registration(
        db.session, reg, actor=current_user, now=utcnow(), reason=request.form.get("reason", "")[:2000]),
        _("%(name)s er afmeldt.", name=reg.member.full_name))


@bp.route("/personale/tilbud/tilmelding/<int:reg_id>/fvu-tilbagemelding", methods=["POST"])
@role_required(*STAFF)
def fvu_feedback_record(reg_id: int):
    """Staff record the FVU course provider's feedback on one participant (portal/services/offers/fvu_feedback.py)."""
    reg = _staff_registration(reg_id)
    values = {k: request.form.get(k, "")[:2100] for k in ("outcome", "hours", "situation")}
    try:
        with unit_of_work():
            fvu_feedback.record_by_staff(db.session, reg, values, actor=current_user, now=utcnow())
    except ValidationFailed as err:
        errors = {f"{field}-{reg_id}": message for field, message in err.errors.items()} or {"_": err.message}
        return staff_session(reg.session_id, errors=errors, status=422, feedback_for=reg_id)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("Tilbagemeldingen om %(name)s er gemt.", name=reg.member.full_name), "success")
    return redirect(url_for("offers.staff_session", session_id=reg.session_id) + f"#r{reg.id}")
