"""The member API: /api/v1/me, the contact course and Min plan. A member only ever sees their own data."""
from __future__ import annotations

from datetime import date

from flask import g, jsonify

from portal.blueprints.api.auth import api_role_required, json_body
from portal.blueprints.api.blueprint import bp
from portal.extensions import db
from portal.models import Member
from portal.models.plan import PlanItem
from portal.models.statuses import PlanStatus
from portal.services.booking import contact_course
from portal.services.errors import NotFound, ValidationFailed
from portal.services.minside import plan, profile
from portal.services.minside_i18n import _
from portal.timeutil import local_today, utcnow
from portal.unit_of_work import unit_of_work


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _current_member() -> Member:
    member = g.api_user.member
    if member is None:
        raise NotFound(_("Der er ingen medlemsoplysninger knyttet til din bruger."))
    return member


def me_json(member: Member, today: date) -> dict:
    caseworker = member.caseworker
    return {
        "member_number": member.member_number,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "phone": member.phone,
        "status": member.status,
        "target_group": member.target_group,
        "first_unemployment_day": _iso(member.first_unemployment_day),
        "weeks_unemployed": contact_course.weeks_unemployed(member, today),
        "notice_end_date": _iso(member.notice_end_date),
        "trade": member.trade,
        "job_goal": member.job_goal,
        "trade_inside_foa": member.trade_inside_foa,
        "preferred_channel": member.preferred_channel,
        "language": member.language,
        "location": member.location.name if member.location else None,
        "caseworker": {"name": caseworker.name, "location": caseworker.location.name} if caseworker else None,
    }


def step_json(step: contact_course.Step) -> dict:
    return {
        "key": step.key,
        "title": _(step.title),
        "conversation_types": list(step.conversation_types),
        "due_date": _iso(step.due_date),
        "status": step.status,
        "booking_id": step.booking_id,
        "booked_for": _iso(step.booked_for),
        "held_at": _iso(step.held_at),
        "late": step.late,
    }


def item_json(item: PlanItem) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "due_date": _iso(item.due_date),
        "status": item.status,
        "right_and_duty": item.right_and_duty,
        "proposed_by": item.proposed_by,
        "version": item.version,
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
        "jobcentre_decision": item.jobcentre_decision,
        "next_actor": {PlanStatus.PROPOSED: "caseworker", PlanStatus.AWAITING_JC: "jobcentre",
                       PlanStatus.ACTIVE: "member"}.get(item.status),
        "history": [{
            "at": _iso(e.at), "kind": e.kind, "by": _event_by(item, e), "from_status": e.from_status,
            "to_status": e.to_status, "text": e.text,
        } for e in item.events],
    }


def _event_by(item: PlanItem, event) -> str:
    if event.actor_user_id is not None and event.actor_user_id == item.member.user_id:
        return "member"
    if event.kind in ("jc_approved", "jc_rejected"):
        return "jobcentre"
    return "caseworker" if event.actor_user_id is not None else "system"


def _parse_due_date(value) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(_("Angiv fristen som en dato (ÅÅÅÅ-MM-DD)."), field="due_date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("Angiv fristen som en dato (ÅÅÅÅ-MM-DD)."), field="due_date") from None


def _refuse_unknown(data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(_("Ukendte felter: %(fields)s.", fields=", ".join(unknown)),
                               errors={f: _("Feltet kendes ikke.") for f in unknown})


@bp.route("/v1/me", methods=["GET"])
@api_role_required("member")
def get_me():
    return jsonify(me_json(_current_member(), local_today()))


@bp.route("/v1/me", methods=["PATCH"])
@api_role_required("member")
def patch_me():
    member = _current_member()
    data = json_body()
    with unit_of_work():
        profile.update_profile(db.session, member, data, g.api_user, utcnow())
    return jsonify(me_json(member, local_today()))


@bp.route("/v1/me/contact-course", methods=["GET"])
@api_role_required("member")
def get_contact_course():
    member = _current_member()
    today = local_today()
    steps = contact_course.course_for(db.session, member, today)
    upcoming = contact_course.next_step(steps)
    return jsonify({
        "has_statutory_course": bool(steps),
        "first_unemployment_day": _iso(contact_course.course_start(member)),
        "weeks_unemployed": contact_course.weeks_unemployed(member, today),
        "next_step": upcoming.key if upcoming else None,
        "steps": [step_json(s) for s in steps],
    })


@bp.route("/v1/me/plan", methods=["GET"])
@api_role_required("member")
def get_plan():
    member = _current_member()
    return jsonify({"items": [item_json(i) for i in plan.list_items(db.session, member)]})


@bp.route("/v1/me/plan", methods=["POST"])
@api_role_required("member")
def post_plan():
    member = _current_member()
    data = json_body()
    _refuse_unknown(data, ("kind", "title", "description", "due_date", "right_and_duty"))
    with unit_of_work():
        item = plan.propose_item(
            db.session, member, kind=data.get("kind"), title=data.get("title"), description=data.get("description"),
            due_date=_parse_due_date(data.get("due_date")), right_and_duty=bool(data.get("right_and_duty")),
            actor=g.api_user, now=utcnow(),
        )
    response = jsonify(item_json(item))
    response.status_code = 201
    return response


@bp.route("/v1/me/plan/<int:item_id>", methods=["PATCH"])
@api_role_required("member")
def patch_plan_item(item_id: int):
    member = _current_member()
    item = plan.get_item(db.session, item_id, member=member)  # another member's id → 404
    data = json_body()
    _refuse_unknown(data, ("status", "comment", "version"))
    if "status" not in data and "comment" not in data:
        raise ValidationFailed(_("Angiv status og/eller en kommentar."))
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ValidationFailed(_("version skal være et heltal."), field="version")
    if "status" in data and not isinstance(data["status"], str):
        raise ValidationFailed(_("Ukendt status."), field="status")
    comment = None
    if "comment" in data:
        comment = "" if data["comment"] is None else data["comment"]  # null is an empty comment: refused
    with unit_of_work():
        plan.update_item(db.session, item, g.api_user, utcnow(), status=data.get("status"), comment=comment,
                         expected_version=version)
    return jsonify(item_json(item))

