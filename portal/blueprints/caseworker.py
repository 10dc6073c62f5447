"""The caseworker workspace (/sagsbehandler): caseload, the conversation screen (samtalebillede), registering a
conversation, summaries, visitation and FOA JobMatch. The member's own summaries are in minside_summaries.py.

Views are thin: parse, authorise (portal.services.access), call a service, render. Domain errors on plain actions
become Danish error pages centrally (portal/errors.py); form views catch ValidationFailed and re-render the form with
the entered values and an error summary.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal import form_once_web
from portal.auth.decorators import role_required
from portal.database import prepared
from portal.errors import page_errors
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Caseworker, Member
from portal.models.booking import CONVERSATION_TYPES
from portal.models.casework import EMPLOYMENT_TYPES, JobcenterReferral
from portal.models.members import CHANNELS, TARGET_GROUPS
from portal.models.statuses import (
    HandoffStatus,
    JobOrderStatus,
    MemberStatus,
    ReferralStatus,
    SummaryStatus,
)
from portal.query_args import db_id, db_int
from portal.services import access, form_once
from portal.services import locations as service_locations
from portal.services.casework import caseload as caseload_service
from portal.services.casework import conversation_record as record_service
from portal.services.casework import conversation_screen, jobmatch, jobmatch_cv, summary
from portal.services.casework import referral as visitation
from portal.services.casework.summary_pdf import render_summary_pdf
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre import jobcentre
from portal.services.messaging import notifications
from portal.services.minside import member_situation
from portal.services.offers import registration_state
from portal.timeutil import local_today, to_local, utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("caseworker", __name__)

STAFF = ("caseworker", "admin")


def _scope() -> access.StaffScope:
    if "staff_scope" not in g:
        g.staff_scope = access.staff_scope(db.session, current_user._get_current_object())
    return g.staff_scope


def _member(member_number: str, *, with_location_and_caseworker: bool = False) -> Member:
    """The member, if the staff user may see them (else 404 – no hint that the number exists)."""
    member = db.session.scalar(_member_by_number(with_location_and_caseworker), {"number": member_number[:12]})
    if member is None or access.view_reason(db.session, _scope(), member) is None:
        abort(404)
    return member


@prepared
def _member_by_number(with_location_and_caseworker: bool):
    query = select(Member).where(Member.member_number == bindparam("number"))
    if with_location_and_caseworker:
        query = query.options(joinedload(Member.location), joinedload(Member.caseworker).joinedload(Caseworker.user))
    return query


def _editable_member(member_number: str) -> tuple[access.StaffScope, Member]:
    """The staff scope and the member, if the caseworker may change them (404 if unseen, 403 if another location's)."""
    staff = _scope()
    member = _member(member_number)
    access.require_edit(staff, member)
    return staff, member


def _back_to_member(member: Member, anchor: str = ""):
    return redirect(url_for("caseworker.member", member_number=member.member_number) + (f"#{anchor}" if anchor else ""))


def _saved(member: Member, anchor: str, message: str, change: Callable[[], object]):
    """Run `change` as one unit of work, say so, and go back to the section of the conversation screen the form
    was in."""
    with unit_of_work():
        change()
    flash(message, "success")
    return _back_to_member(member, anchor)


def _save_or_explain(member: Member, anchor: str, message: str, change: Callable[[], object],
                     ids: dict[str, str]):
    """A small form on the conversation screen: as `_saved`, but a ValidationFailed (rolled back) shows the screen
    again (422) with that form open, its error summary, its fields marked, and what was typed in it. `ids`: the
    form's field ids by the service's field names (the screen has many forms, so its ids differ from the names)."""
    try:
        return _saved(member, anchor, message, change)
    except ValidationFailed as exc:
        refused = {"form": anchor, "message": exc.message, "errors": page_errors(exc, ids), "values": request.form}
        return _member_screen(member.member_number, refused=refused), 422


def _form_int(name: str) -> int | None:
    return db_id(request.form.get(name))


def _form_date(name: str, message: str) -> date | None:
    """An optional ISO date from the form; ValidationFailed(message) if it is not one."""
    text = (request.form.get(name) or "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValidationFailed(message, field=name) from None


# ---------------------------------------------------------------- caseload
@bp.route("/sagsbehandler/")
@role_required(*STAFF)
def caseload():
    staff = _scope()
    today = local_today()
    query = caseload_service.CaseloadQuery.from_args(request.args, staff)
    page = caseload_service.caseload(db.session, staff, query, today=today, now=utcnow())
    agenda, waiting, locations = caseload_service.side_panels(db.session, staff, today=today)
    # Commits the stored next steps and the audited read above, after rendering: committing expires the loaded
    # rows (that would be one query per row).
    with unit_of_work():
        html = render_template("caseworker/caseload.html", page=page, query=query, agenda=agenda, waiting=waiting,
                               locations=locations, staff=staff, today=today)
    return html


def init_app(app) -> None:
    from portal import staff_badges

    if notifications.staff_badge not in staff_badges.PROVIDERS:
        staff_badges.PROVIDERS.append(notifications.staff_badge)


MESSAGES_SHOWN = 50


@bp.route("/sagsbehandler/beskeder")
@role_required(*STAFF)
def messages():
    """What the portal has told this staff member: tasks and news the areas write (notifications.notify)."""
    notes, unread = notifications.recent_and_unread(db.session, current_user.id, MESSAGES_SHOWN)
    return render_template("caseworker/messages.html", notes=notes, unread=unread, limit=MESSAGES_SHOWN)


@bp.route("/sagsbehandler/beskeder/laest", methods=["POST"])
@role_required(*STAFF)
def messages_read():
    with unit_of_work():
        notifications.mark_all_read(db.session, current_user.id, utcnow())
    flash(_("Alle beskeder er markeret som læst."), "success")
    return redirect(url_for("caseworker.messages"))


# ---------------------------------------------------------------- the conversation screen
@bp.route("/sagsbehandler/medlem/<member_number>")
@role_required(*STAFF)
def member(member_number: str):
    return _member_screen(member_number)


def _member_screen(member_number: str, *, refused: dict | None = None) -> str:
    """The conversation screen (its opening audited); `refused`: a small form of it that was refused
    ({"form": its section, "message", "values": the posted form})."""
    staff = _scope()
    # The header shows the member's location and caseworker: read with the member, not one by one.
    member = _member(member_number, with_location_and_caseworker=True)
    purpose_key = request.args.get("formaal", "samtale")
    purpose = access.SCREEN_PURPOSES.get(purpose_key, access.SCREEN_PURPOSES["samtale"])
    now = utcnow()
    from portal.services.minside.plan import KIND_LABELS, STAFF_STATUS_LABELS
    from portal.services.minside.preparation import Q2_LABELS, Q2_TEXT, Q10_LABELS, Q10_TEXT

    with unit_of_work():  # the audited opening, committed after rendering (a commit expires the loaded rows)
        access_reason = access.open_member_file(db.session, staff, member, purpose=purpose, now=now)
        show_q10 = request.args.get("vis") == "q10"
        context = conversation_screen.screen_data(db.session, staff, member, now=now, show_q10=show_q10,
                                                  purpose=purpose)
        html = render_template("caseworker/member.html", member=member, staff=staff, access_reason=access_reason,
                               purpose_key=purpose_key, purposes=access.SCREEN_PURPOSES,
                               can_edit=access.can_edit(staff, member), q2_labels=Q2_LABELS,
                               q10_labels=Q10_LABELS, q2_text=Q2_TEXT, q10_text=Q10_TEXT,
                               plan_status_labels=STAFF_STATUS_LABELS, plan_kind_labels=KIND_LABELS, now_utc=now,
                               refused=refused, **context)
    return html


@bp.route("/sagsbehandler/medlem/<member_number>/maalgruppe", methods=["POST"])
@role_required("caseworker")
def decide_group(member_number: str):
    staff, member = _editable_member(member_number)
    form = request.form
    return _save_or_explain(member, "profilering", _("Målgruppen er gemt med din begrundelse."),
                            lambda: record_service.decide_group(db.session, staff, member, group=form.get("group", ""),
                                                                comment=form.get("comment", ""), now=utcnow()),
                            ids={"group_decision": "group", "group_comment": "group-comment"})


@bp.route("/sagsbehandler/medlem/<member_number>/svar", methods=["POST"])
@role_required("caseworker")
def record_answers(member_number: str):
    staff, member = _editable_member(member_number)
    form = request.form
    return _save_or_explain(member, "spoergsmaal", _("Svarene på spørgsmål 2 og 10 er gemt."),
                            lambda: record_service.record_preparation_answers(
                                db.session, staff, member, q2=form.get("q2", ""),
                                q10_has_barriers={"ja": True, "nej": False}.get(form.get("q10_has_barriers")),
                                q10_barriers=form.getlist("q10_barriers"), now=utcnow()),
                            ids={"q2": "q2", "q10_has_barriers": "q10", "q10_barriers": "q10"})


# ---------------------------------------------------------------- Min plan from the screen
@bp.route("/sagsbehandler/medlem/<member_number>/plan", methods=["POST"])
@role_required("caseworker")
def propose_plan_item(member_number: str):
    from portal.services.minside import plan

    _staff, member = _editable_member(member_number)
    form = request.form
    return _save_or_explain(member, "plan", _("Punktet er føjet til medlemmets plan."),
                            lambda: plan.propose_item(
                                db.session, member, kind=form.get("kind", "agreement"), title=form.get("title", ""),
                                description=form.get("description"),
                                due_date=_form_date("due_date", _("Skriv fristen som en dato, fx 2026-12-15.")),
                                right_and_duty=form.get("right_and_duty") == "1", actor=current_user, now=utcnow()),
                            ids={"kind": "plan-kind", "title": "plan-title", "description": "plan-description",
                                 "due_date": "plan-due", "right_and_duty": "plan-rad"})


@bp.route("/sagsbehandler/medlem/<member_number>/plan/<int:item_id>", methods=["POST"])
@role_required("caseworker")
def plan_item_action(member_number: str, item_id: int):
    from portal.services.minside import plan

    _staff, member = _editable_member(member_number)
    item = plan.get_item(db.session, item_id, member=member)
    action = request.form.get("action")
    if action not in plan.CASEWORKER_ACTIONS:
        abort(400)
    try:
        return _saved(member, "plan", _("Planen er opdateret."),
                      lambda: plan.caseworker_action(db.session, item, action, current_user, utcnow(),
                                                     reason=request.form.get("reason"),
                                                     expected_version=plan.form_version(request.form.get("version"))))
    except Conflict as exc:  # changed meanwhile (another tab, the member, the job centre): the plan as it is now
        flash(exc.message, "error")
        return _back_to_member(member, "plan")


# ---------------------------------------------------------------- registering a conversation
def _conversation_input() -> record_service.ConversationInput:
    form = request.form
    agreements = [record_service.AgreementInput(text=form.get(f"agreement-{i}-text", ""),
                                                due_date=form.get(f"agreement-{i}-due", ""),
                                                right_and_duty=form.get(f"agreement-{i}-rad") == "1")
                  for i in range(1, record_service.MAX_AGREEMENTS + 1)]
    return record_service.ConversationInput(
        booking_id=_form_int("booking_id"), type=form.get("type", ""), channel=form.get("channel", ""),
        outcome=form.get("outcome", ""), held_date=form.get("held_date", ""), held_time=form.get("held_time", ""),
        notes=form.get("notes", ""), member_summary=form.get("member_summary", ""),
        qualitative_assessment=form.get("qualitative_assessment", ""), agreements=agreements,
        group_decision=form.get("group_decision", ""), group_comment=form.get("group_comment", ""))


@bp.route("/sagsbehandler/medlem/<member_number>/samtale", methods=["GET", "POST"])
@role_required("caseworker")
def record_conversation(member_number: str):
    staff = _scope()
    member = _member(member_number)
    access.require_edit(staff, member)
    errors: dict[str, str] = {}
    data = _conversation_input() if request.method == "POST" else record_service.input_for(
        db.session, member, request.args.get("booking", type=db_int))
    if request.method == "POST":
        try:
            with unit_of_work():
                claimed = form_once_web.claim(utcnow())
                conversation = record_service.record_conversation(db.session, staff, member, data, now=utcnow())
                form_once.made(claimed, url_for("caseworker.summary_view", summary_id=conversation.summary.id)
                               if conversation.summary is not None else
                               url_for("caseworker.member", member_number=member.member_number) + "#historik")
        except form_once.AlreadySent as sent:
            return form_once_web.already_sent(sent, url_for("caseworker.member", member_number=member.member_number))
        except ValidationFailed as exc:
            errors = exc.errors or {"_": exc.message}
        else:
            if conversation.summary is not None:
                flash(_("Samtalen er registreret. Gennemse referatet og send det til medlemmet."), "success")
                return redirect(url_for("caseworker.summary_view", summary_id=conversation.summary.id))
            flash(_("Udeblivelsen er registreret."), "success")
            return _back_to_member(member, "historik")
    bookings = record_service.registrable_bookings(db.session, member, now=utcnow())
    now_local = to_local(utcnow())
    return render_template("caseworker/record.html", member=member, data=data, errors=errors, bookings=bookings,
                           types=CONVERSATION_TYPES, channels=CHANNELS, groups=TARGET_GROUPS,
                           max_agreements=record_service.MAX_AGREEMENTS, now_local=now_local,
                           current_group=member.target_group), (422 if errors else 200)


# ---------------------------------------------------------------- summaries (staff side)
def _staff_summary(summary_id: int):
    item = summary.get_summary(db.session, summary_id)
    if access.view_reason(db.session, _scope(), item.member) is None:
        abort(404)
    return item


@bp.route("/sagsbehandler/referat/<int:summary_id>")
@role_required(*STAFF)
def summary_view(summary_id: int):
    item = _staff_summary(summary_id)
    with unit_of_work():  # the audited opening, committed after rendering
        access.open_member_file(db.session, _scope(), item.member, purpose=access.SUMMARY_PURPOSE, now=utcnow())
        html = render_template("caseworker/summary.html", summary=item, content=item.content, staff_view=True,
                               can_edit=access.can_edit(_scope(), item.member),
                               jobcentre_message=jobcentre.message_for_summary(db.session, item.id))
    return html


@bp.route("/sagsbehandler/referat/<int:summary_id>/send", methods=["POST"])
@role_required("caseworker")
def summary_send(summary_id: int):
    item = _staff_summary(summary_id)
    with unit_of_work():
        summary.send(db.session, _scope(), item, now=utcnow())
    if item.content.get("to_jobcenter"):
        flash(_("Referatet ligger nu på medlemmets Min side og er sendt til jobcentret."), "success")
    else:
        flash(_("Referatet ligger nu på medlemmets Min side."), "success")
    return redirect(url_for("caseworker.summary_view", summary_id=item.id))


@bp.route("/sagsbehandler/referat/<int:summary_id>.pdf")
@role_required(*STAFF)
def summary_pdf(summary_id: int):
    item = _staff_summary(summary_id)
    with unit_of_work():
        access.open_member_file(db.session, _scope(), item.member, purpose=access.SUMMARY_PDF_PURPOSE,
                                now=utcnow())
    return summary_pdf_response(item)


def summary_pdf_response(item) -> Response:
    """The summary as an inline PDF, never cached: the staff's and the member's download (minside_summaries.py)."""
    pdf = render_summary_pdf(item.content, draft=item.status != SummaryStatus.SENT)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{summary.pdf_filename(item)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- visitation to the job centre
@bp.route("/sagsbehandler/medlem/<member_number>/visitation", methods=["POST"])
@role_required("caseworker")
def create_visitation(member_number: str):
    staff, member = _editable_member(member_number)
    form = request.form
    return _save_or_explain(member, "visitation", _("Visitationen er registreret og sendt til jobcentret."),
                            lambda: visitation.refer_to_jobcenter(
                                db.session, staff, member, reason=form.get("reason", ""),
                                referred_on=form.get("referred_on", ""), today=local_today(), now=utcnow()),
                            ids={"visitation_reason": "visitation_reason", "visitation_date": "visitation_date"})


@bp.route("/sagsbehandler/visitation/<int:referral_id>/status", methods=["POST"])
@role_required("caseworker")
def visitation_status(referral_id: int):
    item: JobcenterReferral = visitation.get(db.session, referral_id)
    member = _member(item.member.member_number)
    try:
        return _saved(member, "visitation", _("Visitationens status er opdateret."),
                      lambda: visitation.set_status(db.session, _scope(), item, request.form.get("status", ""),
                                                    note=request.form.get("note", ""), now=utcnow()))
    except ValidationFailed as exc:  # said where the buttons are; nothing changed
        flash(exc.message, "error")
        return _back_to_member(member, "visitation")


# ---------------------------------------------------------------- FOA JobMatch
@bp.route("/sagsbehandler/jobordrer")
@role_required(*STAFF)
def job_orders():
    today = local_today()
    status = request.args.get("status", JobOrderStatus.OPEN)
    if status not in (JobOrderStatus.OPEN, "expired", JobOrderStatus.FILLED, JobOrderStatus.CLOSED):
        status = JobOrderStatus.OPEN
    location_id = request.args.get("sted", type=db_int)
    q = (request.args.get("q") or "").strip()[:80]
    page = max(1, request.args.get("side", 1, type=db_int) or 1)
    orders, total = jobmatch.list_job_orders(db.session, today=today, status=status, location_id=location_id, q=q,
                                             page=page)
    locations = service_locations.by_name(db.session)
    kpi = jobmatch.placements_per_year(db.session)
    return render_template("caseworker/job_orders.html", orders=orders, total=total, status=status,
                           location_id=location_id, q=q, page=page, per_page=25, locations=locations, kpi=kpi,
                           today=today)


def _job_order_input() -> jobmatch.JobOrderInput:
    form = request.form
    return jobmatch.JobOrderInput(
        employer=form.get("employer", ""), title=form.get("title", ""), trade=form.get("trade", ""),
        disco_code=form.get("disco_code", ""), location_id=_form_int("location_id"),
        hours_per_week=form.get("hours_per_week", ""), employment=form.get("employment", ""),
        deadline=form.get("deadline", ""), contact_name=form.get("contact_name", ""),
        contact_email=form.get("contact_email", ""), contact_phone=form.get("contact_phone", ""),
        description=form.get("description", ""))


@bp.route("/sagsbehandler/jobordrer/ny", methods=["GET", "POST"])
@role_required("caseworker")
def new_job_order():
    staff = _scope()
    errors: dict[str, str] = {}
    data = jobmatch.JobOrderInput(location_id=staff.caseworker.location_id, employment="permanent")
    if request.method == "POST":
        data = _job_order_input()
        try:
            with unit_of_work():
                claimed = form_once_web.claim(utcnow())
                order = jobmatch.create_job_order(db.session, data, actor=current_user, today=local_today(),
                                                  now=utcnow())
                form_once.made(claimed, url_for("caseworker.job_order", order_id=order.id))
        except form_once.AlreadySent as sent:
            return form_once_web.already_sent(sent, url_for("caseworker.job_orders"))
        except ValidationFailed as exc:
            errors = exc.errors or {"_": exc.message}
        else:
            flash(_("Jobordren er oprettet. Her er de medlemmer, der passer bedst."), "success")
            return redirect(url_for("caseworker.job_order", order_id=order.id))
    locations = service_locations.by_name(db.session)
    from portal.demo.names import TRADES_FOA, TRADES_OTHER

    return render_template("caseworker/job_order_form.html", data=data, errors=errors, locations=locations,
                           employment_types=EMPLOYMENT_TYPES, trades=TRADES_FOA + TRADES_OTHER,
                           today=local_today()), (422 if errors else 200)


@bp.route("/sagsbehandler/jobordrer/<int:order_id>")
@role_required(*STAFF)
def job_order(order_id: int):
    return _job_order_page(jobmatch.get_job_order(db.session, order_id))


def _job_order_page(order, *, hire: dict | None = None) -> str:
    """The order's page; `hire`: a refused hire form to show again, open, with its errors at its fields
    (referral_id, errors keyed by the field ids, and what was sent)."""
    staff = _scope()
    today = local_today()
    with unit_of_work():  # the audited read, committed after rendering
        page = jobmatch.open_job_order(db.session, staff, order, today=today, now=utcnow())
        html = render_template("caseworker/job_order.html", order=order, matches=page.matches,
                               referrals=page.referrals, visible=page.visible_member_ids, today=today,
                               is_open=page.is_open, can_refer=current_user.role == "caseworker",
                               hire=hire or {}, errors=(hire or {}).get("errors", {}))
    return html


@bp.route("/sagsbehandler/jobordrer/<int:order_id>/status", methods=["POST"])
@role_required("caseworker")
def job_order_status(order_id: int):
    order = jobmatch.get_job_order(db.session, order_id)
    with unit_of_work():
        jobmatch.set_job_order_status(db.session, order, request.form.get("status", ""), actor=current_user,
                                      now=utcnow())
    flash(_("Jobordrens status er ændret."), "success")
    return redirect(url_for("caseworker.job_order", order_id=order.id))


@bp.route("/sagsbehandler/jobordrer/<int:order_id>/henvis", methods=["POST"])
@role_required("caseworker")
def refer_to_job(order_id: int):
    staff = _scope()
    order = jobmatch.get_job_order(db.session, order_id)
    member = _member((request.form.get("member_number") or "").strip())
    from_member = request.form.get("back") == "member"
    try:
        with unit_of_work():
            jobmatch.refer_member(db.session, staff, order, member, note=request.form.get("note", ""),
                                  today=local_today(), now=utcnow())
    except (Conflict, ValidationFailed) as exc:  # already referred (another tab), closed meanwhile, a long note
        return _refused_on(order, member if from_member else None, exc)
    flash(_("%(name)s er henvist til jobbet hos %(employer)s.", name=member.full_name, employer=order.employer),
          "success")
    if from_member:
        return _back_to_member(member, "job")
    return redirect(url_for("caseworker.job_order", order_id=order.id))


def _refused_on(order, member: Member | None, exc: Conflict | ValidationFailed):
    """A refused referral or referral change: said where the caseworker was, the page as it is now (a change made
    in another tab shows), not a bare error page: the conversation screen's job section (`member`), else the
    order's page."""
    status = 409 if isinstance(exc, Conflict) else 422
    if member is not None:
        flash(exc.message, "error")
        return _back_to_member(member, "job")
    return _job_order_page(order, hire={"errors": {"_": exc.message}}), status


@bp.route("/sagsbehandler/henvisning/<int:referral_id>", methods=["POST"])
@role_required("caseworker")
def job_referral_action(referral_id: int):
    staff = _scope()
    item = jobmatch.get_referral(db.session, referral_id)
    _member(item.member.member_number)
    action = request.form.get("action", "")
    hiring = action == ReferralStatus.HIRED  # the hire form shows its errors on the order page; the rest centrally
    back = url_for("caseworker.job_order", order_id=item.job_order_id) + "#henvisninger"
    try:
        with unit_of_work():
            jobmatch.act_on_referral(db.session, staff, item, action, permanent=request.form.get("permanent", ""),
                                     start_date=request.form.get("start_date", ""), today=local_today(),
                                     now=utcnow())
    except Conflict as exc:  # moved on meanwhile (another tab, a colleague): the order's page as it is now says so
        return _refused_on(item.job_order, None, exc)
    except ValidationFailed as exc:
        if not hiring:
            return _refused_on(item.job_order, None, exc)
        ids = {"permanent": f"perm-{item.id}", "start_date": f"start-{item.id}"}
        errors = {ids.get(field, "_"): message for field, message in (exc.errors or {"_": exc.message}).items()}
        return _job_order_page(item.job_order, hire={
            "referral_id": item.id, "errors": errors, "permanent": request.form.get("permanent", ""),
            "start_date": request.form.get("start_date", "")}), 422
    flash(_("Ansættelsen er registreret.") if hiring else _("Henvisningen er opdateret."), "success")
    return redirect(back)


@bp.context_processor
def _labels():
    """Danish labels for codes, in one place for this blueprint's templates."""
    from portal.services.booking.conversation_types import CHANNEL_LABELS, STAFF_STATUS_LABELS, TYPES

    return {
        "registration_status_label": lambda line: registration_state.describe_in_session(
            line.status, line.session_status, staff=True).label,
        "handoff_labels": {HandoffStatus.WAITING: _l("Venter"), HandoffStatus.CLAIMED: _l("Taget af en sagsbehandler"),
                           HandoffStatus.RESOLVED: _l("Afsluttet"),
                           HandoffStatus.RETURNED_TO_BOT: _l("Sendt tilbage til chatbotten")},
        "type_label": lambda code: TYPES[code].label if code in TYPES else code,
        "channel_label": lambda code: CHANNEL_LABELS.get(code, code),
        "booking_status_label": lambda code: STAFF_STATUS_LABELS.get(code, code),
        "member_status_label": lambda code: MEMBER_STATUS_LABELS.get(code, code),
        "group_label": lambda code: GROUP_LABELS[code] if code in GROUP_LABELS else _("Ikke fastlagt"),
        "visitation_labels": visitation.STATUS_LABELS,
        "referral_labels": REFERRAL_LABELS,
        "order_status_labels": ORDER_STATUS_LABELS,
        "employment_labels": EMPLOYMENT_LABELS,
        "cv_labels": _cv_labels,
        "has_mark_o": jobmatch_cv.has_mark_o,
        "notice_period_over": member_situation.notice_period_over,
    }


def _cv_labels() -> dict:
    from portal.services.casework import jobmatch_cv
    from portal.services.jobcentre import municipalities

    return {"certificates": jobmatch_cv.CERTIFICATE_LABELS, "hours": jobmatch_cv.HOURS_LABELS,
            "municipality": lambda code: (municipalities.get(code).name if municipalities.get(code) else code)}


MEMBER_STATUS_LABELS = {MemberStatus.LEDIG: _l("Ledig"), MemberStatus.OPSAGT: _l("Opsagt (O)"),
                        MemberStatus.SYGEMELDT: _l("Sygemeldt"), MemberStatus.I_JOB: _l("I job")}
GROUP_LABELS = {"1": _l("Målgruppe 1"), "2a": _l("Målgruppe 2a"), "2b": _l("Målgruppe 2b")}
REFERRAL_LABELS = {ReferralStatus.REFERRED: _l("Henvist"), ReferralStatus.INTERVIEW: _l("Til samtale"),
                   ReferralStatus.HIRED: _l("Ansat"), ReferralStatus.REJECTED: _l("Ikke valgt"),
                   ReferralStatus.WITHDRAWN: _l("Trukket tilbage")}
ORDER_STATUS_LABELS = {JobOrderStatus.OPEN: _l("Åben"), JobOrderStatus.FILLED: _l("Besat"),
                       JobOrderStatus.CLOSED: _l("Lukket")}
EMPLOYMENT_LABELS = {"permanent": _l("Fast"), "temporary": _l("Midlertidig")}
