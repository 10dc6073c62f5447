"""The offers API: the catalogue, sessions with free seats, and the member's own registration per session.

GET /api/v1/offers, GET /api/v1/offers/{id}/sessions, POST/DELETE /api/v1/sessions/{id}/registration,
POST /api/v1/sessions/{id}/registration/accept, GET /api/v1/me/offer-registrations.
Members see only offers open to their group; staff tokens (caseworker, admin) see every active offer.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import g, jsonify, request

from portal.blueprints.api.auth import api_role_required, json_body
from portal.blueprints.api.blueprint import bp
from portal.extensions import db
from portal.models import Member
from portal.models.offers import CURRENT_STATUSES, OFFER_KINDS, Offer, OfferRegistration, OfferSession
from portal.models.statuses import RegistrationStatus
from portal.query_args import db_int
from portal.services.errors import NotFound, ValidationFailed
from portal.services.minside_i18n import _
from portal.services.offers import offers as svc
from portal.services.offers import registration_state, waitlist
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

ROLES = ("member", "caseworker", "admin")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _member() -> Member:
    member = g.api_user.member
    if member is None:
        raise NotFound(_("Der er ingen medlemsoplysninger knyttet til din bruger."))
    return member


def _viewer() -> Member | None:
    return _member() if g.api_user.role == "member" else None


def _offer_json(offer: Offer, stats: svc.SessionStats | None) -> dict:
    return {
        "id": offer.id, "kind": offer.kind, "title": offer.title, "description": offer.description,
        "topic": offer.topic, "fvu_subject": offer.fvu_subject, "sosu_variant": offer.sosu_variant,
        "provider": offer.provider, "course_hours": offer.course_hours, "audiences": list(offer.audiences),
        "hold_hours": offer.hold_hours, "next_session_at": _iso(stats.next_start) if stats else None,
        "upcoming_sessions": stats.sessions if stats else 0, "seats_left": stats.seats_left if stats else 0,
    }


def _registration_json(reg: OfferRegistration | None) -> dict | None:
    if reg is None:
        return None
    return {"id": reg.id, "session_id": reg.session_id, "status": reg.status,
            "status_label": registration_state.describe_registration(reg).label,
            "waitlist_position": waitlist.waitlist_position(db.session, reg), "held_until": _iso(reg.held_until),
            "right_and_duty": reg.right_and_duty, "registered_at": _iso(reg.registered_at)}


def _session_json(s: OfferSession, reg: OfferRegistration | None = None, waiting: int = 0) -> dict:
    return {
        "id": s.id, "offer_id": s.offer_id, "starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at),
        "location": s.location.name if s.location else None, "location_id": s.location_id, "venue": s.venue,
        "online": s.location_id is None,
        "online_link": s.online_link if reg is not None and reg.status == RegistrationStatus.REGISTERED else None,
        "capacity": s.capacity, "seats_left": s.seats_left, "waitlist_length": waiting,
        "my_registration": _registration_json(reg),
    }


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return db_int(raw)
    except ValueError:
        raise ValidationFailed(_("%(name)s skal være et heltal.", name=name), field=name) from None


@bp.route("/v1/offers")
@api_role_required(*ROLES)
def api_offers():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in OFFER_KINDS:
        raise ValidationFailed(_("Ukendt type. Brug en af: %(kinds)s.", kinds=", ".join(OFFER_KINDS)), field="kind")
    location_id = _int_arg("location")
    now = utcnow()
    offer_list = svc.list_offers(db.session, member=_viewer(), kind=kind, location_id=location_id, now=now)
    stats = svc.offer_stats(db.session, [o.id for o in offer_list], location_id=location_id, now=now)
    return jsonify(offers=[_offer_json(o, stats.get(o.id)) for o in offer_list])


@bp.route("/v1/offers/<int:offer_id>/sessions")
@api_role_required(*ROLES)
def api_offer_sessions(offer_id: int):
    member = _viewer()
    offer = svc.get_offer(db.session, offer_id, member=member)
    if member is None and not offer.active:
        raise NotFound(_("Tilbuddet findes ikke."))
    sessions = svc.open_sessions(db.session, offer.id, utcnow(), location_id=_int_arg("location"))
    ids = [s.id for s in sessions]
    regs = svc.current_registrations_on(db.session, member, ids) if member is not None else {}
    waits = svc.waitlist_lengths(db.session, ids)
    return jsonify(offer=_offer_json(offer, None),
                   sessions=[_session_json(s, regs.get(s.id), waits.get(s.id, 0)) for s in sessions])


@bp.route("/v1/sessions/<int:session_id>/registration", methods=["POST"])
@api_role_required("member")
def api_register(session_id: int):
    """Register; a full session answers 409 unless {"join_waitlist": true} asks for the waiting list."""
    member = _member()
    data = json_body() if request.get_data() else {}
    join = data.get("join_waitlist", False)
    if not isinstance(join, bool):
        raise ValidationFailed(_("join_waitlist skal være true eller false."), field="join_waitlist")
    with unit_of_work():
        reg = svc.register(db.session, member, session_id, actor=g.api_user, now=utcnow(), waitlist_if_full=join)
        body = _registration_json(reg)  # before the commit expires the rows it reads
    return jsonify(body), 201


@bp.route("/v1/sessions/<int:session_id>/registration", methods=["DELETE"])
@api_role_required("member")
def api_cancel(session_id: int):
    """Cancel the seat, leave the waiting list or decline a held seat. Right-and-duty needs {"reason": "…"}."""
    member = _member()
    reg = svc.live_registration(db.session, member.id, session_id)
    if reg is None or reg.status not in CURRENT_STATUSES:
        raise NotFound(_("Du er ikke tilmeldt dette hold."))
    data = json_body() if request.get_data() else {}
    reason = data.get("reason", request.args.get("reason"))
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed(_("reason skal være tekst."), field="reason")
    with unit_of_work():
        svc.cancel_registration(db.session, reg, actor=g.api_user, now=utcnow(), reason=reason)
    return "", 204


@bp.route("/v1/sessions/<int:session_id>/registration/accept", methods=["POST"])
@api_role_required("member")
def api_accept(session_id: int):
    """Take the seat held for the member."""
    member = _member()
    reg = svc.live_registration(db.session, member.id, session_id)
    if reg is None:
        raise NotFound(_("Du er ikke tilmeldt dette hold."))
    with unit_of_work():  # a seat passed on (the offer is no longer the member's) is committed too
        waitlist.accept_offered_seat(db.session, reg, actor=g.api_user, now=utcnow())
        passed_on = waitlist.seat_passed_on(reg)
        body = _registration_json(reg)
    if passed_on:
        raise svc.NotOpenToMember(str(waitlist.NOT_OPEN_ANY_MORE))
    return jsonify(body)


@bp.route("/v1/me/offer-registrations")
@api_role_required("member")
def api_my_registrations():
    member = _member()
    regs = svc.member_registrations(db.session, member, utcnow(), include_past=request.args.get("past") == "1")
    return jsonify(registrations=[
        {**_registration_json(r), "offer": {"id": r.offer_session.offer_id, "title": r.offer_session.offer.title,
                                            "kind": r.offer_session.offer.kind},
         "session": _session_json(r.offer_session, r)} for r in regs])
