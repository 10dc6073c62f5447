"""Min side: the member's own JobMatch CV and job agent (/min-side/jobmatch-cv). Thin: parse, call, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import Member
from portal.query_args import db_id
from portal.services.casework import jobmatch_cv
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre import municipalities
from portal.services.minside import job_referrals
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("jobmatch_cv", __name__, url_prefix="/min-side/jobmatch-cv")


def _member() -> Member:
    member = current_user.member
    if member is None:
        abort(404)
    return member


def _form_input(form) -> jobmatch_cv.CvInput:
    titles, employers, years = form.getlist("exp_title"), form.getlist("exp_employer"), form.getlist("exp_years")
    rows = [{"title": t, "employer": e, "years": y} for t, e, y in zip(titles, employers, years, strict=False)]
    return jobmatch_cv.CvInput(
        job_goals=form.get("job_goals", ""), experience=rows, education=form.get("education", ""),
        certificates=form.getlist("certificates"), driving_licence=form.get("driving_licence") == "1",
        hours_wanted=form.get("hours_wanted", ""), hours_per_week=form.get("hours_per_week", ""),
        municipalities=form.getlist("municipalities"), radius_km=form.get("radius_km", ""),
        visible_to_employers=form.get("visible_to_employers") == "1")


def _values(cv) -> dict:
    if cv is None:
        return {"job_goals": _member().job_goal or "", "experience": [], "certificates": [], "hours_wanted": "any",
                "municipalities": [_member().municipality_code] if _member().municipality_code else []}
    return {"job_goals": cv.job_goals, "experience": cv.experience or [], "education": cv.education or "",
            "certificates": cv.certificates or [], "driving_licence": cv.driving_licence,
            "hours_wanted": cv.hours_wanted, "hours_per_week": cv.hours_per_week or "",
            "municipalities": cv.municipalities or [], "radius_km": cv.radius_km or "",
            "visible_to_employers": cv.visible_to_employers}


def _page(member: Member, *, values: dict, errors: dict | None = None, status: int = 200):
    cv = jobmatch_cv.get_cv(db.session, member)
    rows = list(values.get("experience") or [])
    # The empty rows at the end of a refused form are the two blank ones it had: without this each failed save
    # added two more. (Only trailing ones go: an error names its row by its position.)
    while rows and not any(str(rows[-1].get(key) or "").strip() for key in ("title", "employer", "years")):
        rows.pop()
    rows += [{}] * max(0, min(jobmatch_cv.EXPERIENCE_ROWS, len(rows) + 2) - len(rows))
    return render_template(
        "minside/jobmatch_cv.html", member=member, cv=cv, values=values, errors=errors or {}, rows=rows,
        referrals=job_referrals.for_member(db.session, member), referrals_anchor=job_referrals.ANCHOR,
        mark_o=jobmatch_cv.has_mark_o(member), mark_o_text=jobmatch_cv.MARK_O_TEXT,
        certificate_labels=jobmatch_cv.CERTIFICATE_LABELS, hours_labels=jobmatch_cv.HOURS_LABELS,
        all_municipalities=sorted(municipalities.all_municipalities().values(), key=lambda m: m.name),
        limits={"job_goals": jobmatch_cv.JOB_GOALS_MAX, "education": jobmatch_cv.EDUCATION_MAX,
                "experience": jobmatch_cv.EXPERIENCE_TEXT_MAX}), status


@bp.route("", methods=["GET"], endpoint="page")
@role_required("member")
def page():
    member = _member()
    return _page(member, values=_values(jobmatch_cv.get_cv(db.session, member)))


@bp.route("", methods=["POST"], endpoint="save")
@role_required("member")
def save():
    member = _member()
    data = _form_input(request.form)
    try:
        with unit_of_work():
            jobmatch_cv.save_cv(db.session, member, data, actor=current_user, now=utcnow())
    except ValidationFailed as exc:
        values = {**data.__dict__, "municipalities": [n for n in map(db_id, data.municipalities) if n is not None]}
        return _page(member, values=values, errors=exc.errors or {"_": exc.message}, status=422)
    flash(_("Dit CV er gemt i FOA JobMatch."), "success")
    return redirect(url_for("jobmatch_cv.page"))


@bp.route("/jobagent", methods=["POST"], endpoint="agent")
@role_required("member")
def agent():
    member = _member()
    on = request.form.get("on") == "1"
    try:
        with unit_of_work():
            jobmatch_cv.set_job_agent(db.session, member, on, actor=current_user, now=utcnow())
    except Conflict as exc:
        return _page(member, values=_values(None), errors={"_": exc.message}, status=409)
    flash(_("Jobagenten er slået til. Du får en e-mail, når der kommer nye job, der passer til dit CV.") if on
          else _("Jobagenten er slået fra. Du får ikke flere e-mails fra den."), "success")
    return redirect(url_for("jobmatch_cv.page"))
