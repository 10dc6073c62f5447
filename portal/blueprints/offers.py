"""Offers (tilbud): the member catalogue and registrations, and the staff editor with check-in lists.

Thin views: parse, authorise, call portal.services.offers.offers, render. Member actions that a rule refuses are shown as
a message on the page they came from (nothing is changed); staff forms re-render with the errors by field.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import joinedload

from portal.auth.decorators import role_required
from portal.blueprints.auth import safe_next
from portal.extensions import db
from portal.i18n import current_language, request_translations
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Member
from portal.models.offers import (
    OFFER_KINDS,
    OfferRegistration,
    OfferSession,
)
from portal.models.statuses import RegistrationStatus
from portal.query_args import db_id
from portal.services import locations as service_locations
from portal.services.errors import DomainError, NotFound, ValidationFailed
from portal.services.minside import member_situation
from portal.services.offers import offer_messages, registration_state, waitlist
from portal.services.offers import offers as svc
from portal.timeutil import local_today, to_local, utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("offers", __name__)

KIND_LABELS = {
    "webinar": _l("Webinar"), "theme_meeting": _l("Temamøde"), "fvu_test": _l("FVU-test"),
    "fvu_course": _l("FVU-kursus"), "it_cafe": _l("IT-café"), "job_club": _l("Jobklub"),
    "job_dating": _l("Jobdating"),
}
TOPIC_LABELS = {
    "find_job": _l("Sådan finder du dit nye job"), "apply_job": _l("Sådan søger du jobbet"),
    "interview": _l("Sådan går du til samtale"),
    "stay_or_change": _l("Kan jeg blive i mit fag – eller skal jeg prøve noget nyt?"),
    "job_search": _l("Jobsøgning"), "job_matching": _l("Jobmatch"), "it_tools": _l("IT-værktøjer"),
    "education": _l("Uddannelse"),
}
FVU_LABELS = {"reading": _l("Læsning og skrivning"), "maths": _l("Matematik"), "digital": _l("Digital")}
AUDIENCE_LABELS = {"1": _l("Målgruppe 1"), "2a": _l("Målgruppe 2a"), "2b": _l("Målgruppe 2b"),
                   "opsagt": _l("Opsagte i opsigelsesperioden"), "sygemeldt": _l("Sygemeldte")}


@bp.context_processor
def _labels():
    return {"KIND_LABELS": KIND_LABELS, "TOPIC_LABELS": TOPIC_LABELS, "FVU_LABELS": FVU_LABELS,
            "AUDIENCE_LABELS": AUDIENCE_LABELS, "registration_state": registration_state.describe,
            "place_text": offer_messages.place_text, "to_local": to_local, "page_when": offer_messages.page_when}


def _member() -> Member:
    member = current_user.member
    if member is None:
        abort(403)
    return member


def _own_registration(reg_id: int) -> OfferRegistration:
    reg = db.session.scalar(select(OfferRegistration).options(
        joinedload(OfferRegistration.offer_session).joinedload(OfferSession.offer))
        .where(OfferRegistration.id == reg_id))
    if reg is None or reg.member_id != _member().id:
        raise NotFound(_("Tilmeldingen findes ikke."))
    return reg


def _back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next")) or default


# -- member pages ----------------------------------------------------------------------------------------------

@bp.route("/tilbud")
@role_required("member")
def catalogue():
    member = _member()
    now = utcnow()
    kind = request.args.get("type") if request.args.get("type") in OFFER_KINDS else None
    place = request.args.get("sted", "mit")
    location_id = member.location_id if place == "mit" else db_id(place)
    offer_rows = svc.catalogue_offers(db.session, member=member, kind=kind, location_id=location_id, now=now)
    mine = svc.member_registrations(db.session, member, now)
    # The place filter's choices as (value, name): the value as the query string gives it, to mark the chosen one.
    place_choices = [(str(loc.id), loc.name) for loc in service_locations.by_name(db.session)]
    # KIND_LABELS translated once for the page: the type filter and every card's kind_tag read it.
    return render_template("offers/catalogue.html", cards=_offer_cards(offer_rows, mine, place), mine=mine,
                           kind=kind, place=place, place_choices=place_choices, member=member,
                           KIND_LABELS={k: str(label) for k, label in KIND_LABELS.items()},
                           fits=bool(svc.member_audiences(member)))


@dataclass(frozen=True)
class OfferCard:
    """One offer in the catalogue with its words: next start, sessions and free seats; the member's registration."""

    offer: Row
    url: str
    registration: OfferRegistration | None
    next_start: str
    sessions: str
    seats: str


def _offer_cards(offer_rows: list[Row], mine: list[OfferRegistration], place: str) -> list[OfferCard]:
    """The cards' words, translated once per page here rather than per card in the template (issue 19: the
    template's gettext, date and language calls on each card were a third of the page's time)."""
    words = request_translations()
    gettext, ngettext = words.ugettext, words.ungettext
    language, today = current_language(), local_today()
    next_start, all_full = gettext("Næste hold: %(when)s"), gettext("alle hold er fulde – venteliste")
    by_offer = svc.registration_per_offer(mine)
    sted = "alle" if place == "alle" else None
    return [OfferCard(
        offer=row, url=url_for("offers.offer_detail", offer_id=row.id, sted=sted), registration=by_offer.get(row.id),
        next_start=next_start % {"when": offer_messages.page_when(row.next_start, "EEE d. MMM 'kl.' HH:mm", today,
                                                                  language)},
        sessions=ngettext("%(num)s hold", "%(num)s hold", row.sessions) % {"num": row.sessions},
        seats=(ngettext("%(num)s ledig plads", "%(num)s ledige pladser", row.seats_left) % {"num": row.seats_left}
               if row.seats_left else all_full),
    ) for row in offer_rows]


@bp.route("/tilbud/<int:offer_id>")
@role_required("member")
def offer_detail(offer_id: int):
    member = _member()
    now = utcnow()
    offer = svc.get_offer(db.session, offer_id, member=member)
    show_all = request.args.get("sted") == "alle"
    sessions = svc.open_sessions(db.session, offer.id, now, location_id=None if show_all else member.location_id)
    hidden = 0 if show_all else len(svc.open_sessions(db.session, offer.id, now)) - len(sessions)
    regs = svc.current_registrations_on(db.session, member, [s.id for s in sessions])
    waits = _waitlist_lengths([s.id for s in sessions])
    positions = {sid: waitlist.waitlist_position(db.session, r) for sid,
                 r in regs.items() if r.status == RegistrationStatus.WAITLISTED}
    current = svc.registration_per_offer(svc.member_registrations(db.session, member, now)).get(offer.id)
    groups = svc.sessions_by_place(sessions, home_location_id=member.location_id) if show_all else None
    return render_template("offers/offer.html", offer=offer, sessions=sessions, regs=regs, waits=waits,
                           positions=positions, show_all=show_all, hidden=hidden, member=member, current=current,
                           groups=groups)


def _waitlist_lengths(session_ids: list[int]) -> dict[int, int]:
    return svc.waitlist_lengths(db.session, session_ids)


@bp.route("/tilbud/hold/<int:session_id>/tilmeld", methods=["POST"])
@role_required("member")
def register(session_id: int):
    member = _member()
    offer_session = svc.get_session(db.session, session_id)
    back = _back(url_for("offers.offer_detail", offer_id=offer_session.offer_id))
    try:
        with unit_of_work():
            reg = svc.register(db.session, member, session_id, actor=current_user, now=utcnow())
            position = waitlist.waitlist_position(db.session, reg)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(back)
    if reg.status == RegistrationStatus.REGISTERED:
        flash(_("Du er tilmeldt. Vi har sendt en bekræftelse med en kalenderinvitation."), "success")
    else:
        flash(_("Holdet er fuldt, så du er skrevet på ventelisten som nr. %(n)s. Bliver der en plads, holder vi "
                "den til dig og giver besked.", n=position), "warning")
    return redirect(back)


@bp.route("/tilbud/mine")
@role_required("member")
def mine():
    member = _member()
    now = utcnow()
    regs = svc.member_registrations(db.session, member, now, include_past=True)
    current, past = svc.current_and_past(regs, now)
    positions = {r.id: waitlist.waitlist_position(db.session,
                                                  r) for r in current if r.status == RegistrationStatus.WAITLISTED}
    return render_template("offers/mine.html", current=current, past=past, positions=positions, now=now,
                           duty_applies=member_situation.right_and_duty_applies(member))


@bp.route("/tilbud/tilmelding/<int:reg_id>/afmeld", methods=["GET", "POST"])
@role_required("member")
def cancel(reg_id: int):
    reg = _own_registration(reg_id)
    errors = {}
    if request.method == "POST":
        now = utcnow()
        try:
            with unit_of_work():
                svc.cancel_registration(db.session, reg, actor=current_user, now=now,
                                        reason=request.form.get("reason", "")[:2000])
                passed_on = waitlist.seats_offered_at(db.session, reg.session_id, now) > 0
        except ValidationFailed as err:
            errors = err.errors or {"_": err.message}
        except DomainError as err:
            flash(err.message, "error")
            return redirect(url_for("offers.mine"))
        else:
            flash(_("Du er afmeldt. Pladsen går videre til den næste på ventelisten.") if passed_on
                  else _("Du er afmeldt."), "success")
            return redirect(url_for("offers.mine"))
        reg = _own_registration(reg_id)
    return render_template("offers/cancel.html", reg=reg, errors=errors,
                           reason=request.form.get("reason", "")), (422 if errors else 200)


def _member_action(reg_id: int, action, done: str):
    reg = _own_registration(reg_id)
    try:
        with unit_of_work():
            action(db.session, reg, actor=current_user, now=utcnow())
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(done, "success")
    return redirect(_back(url_for("offers.mine")))


@bp.route("/tilbud/tilmelding/<int:reg_id>/tag-plads", methods=["POST"])
@role_required("member")
def accept(reg_id: int):
    reg = _own_registration(reg_id)
    try:
        with unit_of_work():  # a seat passed on (the offer is no longer hers) is committed too
            waitlist.accept_offered_seat(db.session, reg, actor=current_user, now=utcnow())
            passed_on = waitlist.seat_passed_on(reg)
    except DomainError as err:
        flash(err.message, "error")
    else:
        if passed_on:
            flash(str(waitlist.NOT_OPEN_ANY_MORE), "error")
        else:
            flash(_("Du har taget pladsen og er nu tilmeldt. Vi har sendt en kalenderinvitation."), "success")
    return redirect(_back(url_for("offers.mine")))


@bp.route("/tilbud/tilmelding/<int:reg_id>/nej-tak", methods=["POST"])
@role_required("member")
def decline(reg_id: int):
    return _member_action(reg_id, waitlist.decline_offered_seat, _("Tak for svaret. Pladsen går videre til den næste."))


@bp.route("/tilbud/tilmelding/<int:reg_id>/forlad-venteliste", methods=["POST"])
@role_required("member")
def leave(reg_id: int):
    return _member_action(reg_id, waitlist.leave_waitlist, _("Du er taget af ventelisten."))


@bp.route("/tilbud/tilmelding/<int:reg_id>/kalender.ics")
@role_required("member")
def registration_ics(reg_id: int):
    reg = _own_registration(reg_id)
    body = offer_messages.session_ics(reg.offer_session, reg, utcnow())
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="tilbud-{reg.id}.ics"'})


@bp.route("/tilbud/plads/<token>", methods=["GET", "POST"])
@role_required("member")
def accept_link(token: str):
    """The one-click link in the e-mail: GET only shows the seat; the POST button takes it (single-use, signed)."""
    try:
        reg = waitlist.registration_from_token(db.session, token[:500])
        if reg.member_id != _member().id:
            raise NotFound(_("Linket hører til en anden bruger. Log ind som den, der fik e-mailen."))
    except DomainError as err:
        return render_template("offers/accept.html", reg=None, problem=err.message), err.status
    if request.method == "POST":
        try:
            with unit_of_work():
                waitlist.accept_offered_seat(db.session, reg, actor=current_user, now=utcnow())
                passed_on = waitlist.seat_passed_on(reg)
        except DomainError as err:
            return render_template("offers/accept.html", reg=None, problem=err.message), err.status
        if passed_on:
            return render_template("offers/accept.html", reg=None, problem=str(waitlist.NOT_OPEN_ANY_MORE)), 403
        flash(_("Du har taget pladsen og er nu tilmeldt. Vi har sendt en kalenderinvitation."), "success")
        return redirect(url_for("offers.mine"))
    return render_template("offers/accept.html", reg=reg, token=token, problem=None)

