"""The job centre's pages (/jobcenter, issue 16): the inbox of what concerns its citizens, one case, one citizen,
and the answer to a Min plan approval. Only users of the role 'jobcenter', each bound to one job centre; another
job centre's case or citizen is 'not found'. Views are thin: the rules are in portal/services/jobcentre/jobcentre.py.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.errors import page_errors
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models.statuses import JobcentreDecision
from portal.query_args import DB_MAX
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre import jobcentre, jobcentre_answers, joint_conversation, municipalities
from portal.services.messaging import notifications
from portal.services.minside import plan
from portal.timeutil import local_today, utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("jobcentre", __name__)


def _scope() -> jobcentre.JobcentreScope:
    if "jobcentre_scope" not in g:
        g.jobcentre_scope = jobcentre.jobcentre_scope(db.session, current_user)
    return g.jobcentre_scope


@bp.app_context_processor
def _labels() -> dict:
    """Labels and helpers the Min plan and conversation-screen templates use too (who acts next, the request)."""
    return {"JC_KIND_LABELS": jobcentre.KIND_LABELS, "JC_STATUS_LABELS": jobcentre.STATUS_LABELS,
            "JC_DECISION_LABELS": jobcentre.DECISION_LABELS, "municipality_name": _municipality_name,
            "jc_decision": jobcentre.decision_label, "jc_heading": jobcentre.heading,
            "plan_next_actor": plan.next_actor, "plan_overdue": plan.is_overdue,
            "jobcentre_answer_days": jobcentre.answer_days(),
            "plan_jobcentre_name": jobcentre.jobcentre_label,
            "joint_prompt": lambda member: joint_conversation.invitation_prompt(db.session, member, local_today())}


def _id(value: int) -> int:
    """A path id the database can hold (a larger one is simply not found)."""
    if value > DB_MAX:
        abort(404)
    return value


def _municipality_name(code: int | None) -> str:
    municipality = municipalities.get(code)
    return f"{municipality.name} ({municipality.code})" if municipality else _("ukendt")


@bp.route("/jobcenter/", methods=["GET"])
@role_required("jobcenter")
def inbox():
    scope = _scope()
    show_all = request.args.get("vis") == "alle"
    now = utcnow()
    with unit_of_work():  # the audit entry of the read, the notes read
        messages = jobcentre.inbox(db.session, scope, now=now, show_all=show_all)
        upcoming = joint_conversation.upcoming(db.session, scope, now)
        notes = notifications.recent(db.session, current_user.id, limit=8)
        unread = {n.id for n in notes if n.read_at is None}
        notifications.mark_all_read(db.session, current_user.id, now)
    return render_template("jobcentre/inbox.html", scope=scope, messages=messages, show_all=show_all,
                           upcoming=upcoming, notes=notes, unread=unread)


@bp.route("/jobcenter/sag/<int:case_id>", methods=["GET"])
@role_required("jobcenter")
def message(case_id: int):
    scope = _scope()
    with unit_of_work():  # read state and the audit entry
        found = jobcentre.open_message(db.session, scope, _id(case_id), utcnow())
    return _message_page(scope, found)


def _message_page(scope, found, *, errors: dict | None = None, reason: str = "", counter: str = "",
                  status: int = 200):
    """The case; `errors` ({field id: message}) when an answer was refused: the summary and the field marked."""
    return render_template("jobcentre/message.html", scope=scope, message=found, errors=errors or {}, reason=reason,
                           counter=counter, joint_deadline=joint_conversation.joint_deadline(found.member),
                           today=local_today(),
                           plan_kind_labels=plan.KIND_LABELS, plan_status_labels=plan.STAFF_STATUS_LABELS), status


@bp.route("/jobcenter/sag/<int:case_id>/svar", methods=["POST"])
@role_required("jobcenter")
def answer(case_id: int):
    """Approve or reject a Min plan item. A refusal (answered already, withdrawn, no reason) changes nothing."""
    scope = _scope()
    jobcentre.get_message(db.session, scope, _id(case_id))  # another job centre's case: 404 before anything else
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    reason = (request.form.get("reason") or "")[:5000]
    try:
        with unit_of_work():
            found = jobcentre_answers.decide_plan_item(db.session, scope, _id(case_id),
                                                       approve=decision == "approve", reason=reason, now=utcnow())
    except (ValidationFailed, Conflict) as exc:
        found = jobcentre.get_message(db.session, scope, _id(case_id))
        return _message_page(scope, found, errors=page_errors(exc, {"reason": "reason"}), reason=reason,
                             status=422 if isinstance(exc, ValidationFailed) else 409)
    flash(_("Aktiviteten er godkendt. Medlemmet og a-kassen kan se det.")
          if found.decision == JobcentreDecision.APPROVED else
          _("Aktiviteten er afvist. Medlemmet og a-kassen kan se begrundelsen."), "success")
    return redirect(url_for("jobcentre.inbox"))


@bp.route("/jobcenter/borger/<member_number>", methods=["GET"])
@role_required("jobcenter")
def citizen(member_number: str):
    scope = _scope()
    from portal.blueprints.caseworker import MEMBER_STATUS_LABELS

    now = utcnow()
    with unit_of_work():  # the audit entry of the read
        member, messages = jobcentre.citizen(db.session, scope, member_number, now)
        items = plan.items_for_jobcentre(db.session, member)
        conversations = joint_conversation.upcoming(db.session, scope, now, member=member)
    return render_template("jobcentre/citizen.html", scope=scope, member=member, messages=messages, items=items,
                           conversations=conversations, status_label=MEMBER_STATUS_LABELS.get(member.status),
                           today=local_today(), plan_kind_labels=plan.KIND_LABELS,
                           plan_status_labels=plan.STAFF_STATUS_LABELS)


@bp.route("/jobcenter/sag/<int:case_id>/faellessamtale", methods=["POST"])
@role_required("jobcenter")
def answer_joint(case_id: int):
    """Accept the proposed time of a joint conversation, or propose another inside the 13-week deadline."""
    scope = _scope()
    jobcentre.get_message(db.session, scope, _id(case_id))  # another job centre's case: 404 before anything else
    decision = request.form.get("decision")
    if decision not in ("accept", "counter"):
        abort(400)
    counter_text = (request.form.get("counter_time") or "")[:40]
    reason = (request.form.get("reason") or "")[:5000]
    try:
        with unit_of_work():
            found = joint_conversation.answer_as_typed(db.session, scope, _id(case_id), accept=decision == "accept",
                                                       counter_text=counter_text, reason=reason, now=utcnow())
    except (ValidationFailed, Conflict) as exc:
        found = jobcentre.get_message(db.session, scope, _id(case_id))
        return _message_page(scope, found, errors=page_errors(exc, {"reason": "joint-reason",
                                                                    "counter_time": "counter_time"}),
                             reason=reason, counter=counter_text,
                             status=422 if isinstance(exc, ValidationFailed) else 409)
    flash(_("Jobcentret deltager i fællessamtalen. A-kassen har fået besked.")
          if found.decision == JobcentreDecision.ACCEPTED else
          _("Jeres forslag til et andet tidspunkt er sendt til a-kassen."), "success")
    return redirect(url_for("jobcentre.inbox"))


@bp.route("/jobcenter/sag/<int:case_id>/visitation", methods=["POST"])
@role_required("jobcenter")
def answer_visitation(case_id: int):
    """Take over a referred member (parallel contact course), or refuse the visitation with a reason."""
    scope = _scope()
    jobcentre.get_message(db.session, scope, _id(case_id))  # another job centre's case: 404 before anything else
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    reason = (request.form.get("reason") or "")[:5000]
    try:
        with unit_of_work():
            found = jobcentre_answers.answer_visitation(db.session, scope, _id(case_id),
                                                        accept=decision == "accept", reason=reason, now=utcnow())
    except (ValidationFailed, Conflict) as exc:
        found = jobcentre.get_message(db.session, scope, _id(case_id))
        return _message_page(scope, found, errors=page_errors(exc, {"reason": "visitation-reason"}), reason=reason,
                             status=422 if isinstance(exc, ValidationFailed) else 409)
    flash(_("Visitationen er modtaget. A-kassen har fået besked.") if found.decision == JobcentreDecision.APPROVED else
          _("Visitationen er afvist. A-kassen kan se begrundelsen."), "success")
    return redirect(url_for("jobcentre.inbox"))
