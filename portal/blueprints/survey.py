"""The satisfaction survey behind the e-mailed link: /undersoegelse/<token>, public but token-protected."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, session
from flask_babel import force_locale

from portal.auth.decorators import public
from portal.extensions import db, limiter
from portal.i18n import gettext
from portal.services.errors import NotFound, ValidationFailed
from portal.services.messaging import surveys
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("survey", __name__, url_prefix="/undersoegelse")


def _page(template: str, survey=None, status: int = 200, **context):
    """In the language the member picked on the page (?lang= or the switch), else the member's own."""
    language = request.args.get("lang") or session.get("lang") or (survey.language if survey is not None else "da")
    with force_locale(language if language in ("da", "en") else "da"):
        if context.get("errors"):  # the services' messages are Danish source strings (N_)
            context["errors"] = {field: gettext(message) for field, message in context["errors"].items()}
        return render_template(template, survey=survey, **context), status


@bp.route("/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute")
def answer(token: str):
    now = utcnow()
    try:
        survey = surveys.survey_from_token(db.session, token, current_app.config["SECRET_KEY"])
    except NotFound as err:
        return _page("survey/closed.html", status=404, message=err.message, heading="invalid")
    try:
        surveys.check_open(survey, now)
    except surveys.SurveyAnswered:
        return _page("survey/thanks.html", survey=survey, already=True)
    except surveys.SurveyExpired as err:
        return _page("survey/closed.html", survey=survey, status=410, message=err.message, heading="expired")
    values, errors = {}, {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in surveys.QUESTIONS}
        try:
            with unit_of_work():
                ratings = surveys.parse_ratings(request.form, survey)
                surveys.submit_answer(db.session, survey, ratings, now=now)
            return _page("survey/thanks.html", survey=survey, already=False)
        except surveys.SurveyAnswered:
            return _page("survey/thanks.html", survey=survey, already=True)
        except ValidationFailed as err:
            errors = err.errors
    return _page("survey/form.html", survey=survey, status=422 if errors else 200, values=values, errors=errors,
                 booking=survey.booking)
