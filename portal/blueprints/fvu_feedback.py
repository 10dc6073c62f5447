"""The FVU course provider's feedback form behind the e-mailed link: /fvu-tilbagemelding/<token>, public but
token-protected (portal/services/offers/fvu_feedback.py); and the labels the staff pages show feedback with."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal.auth.decorators import public
from portal.extensions import db, limiter
from portal.i18n import format_hours
from portal.models.fvu_feedback import FVU_OUTCOMES
from portal.services.errors import NotFound, ValidationFailed
from portal.services.offers import fvu_feedback
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("fvu_feedback", __name__, url_prefix="/fvu-tilbagemelding")


@bp.app_context_processor
def _labels() -> dict:
    return {"fvu_outcome_choices": lambda: [(o, fvu_feedback.outcome_label(o)) for o in FVU_OUTCOMES],
            "fvu_outcome_label": fvu_feedback.outcome_label, "fvu_source_label": fvu_feedback.source_label}


def _closed(message: str, heading: str, status: int):
    return render_template("fvu_feedback/closed.html", message=message, heading=heading), status


@bp.route("/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute")
def provider_form(token: str):
    now = utcnow()
    secret = current_app.config["SECRET_KEY"]
    try:
        link = fvu_feedback.link_from_token(db.session, token, secret=secret, now=now)
    except NotFound as err:
        return _closed(err.message, "invalid", 404)
    except fvu_feedback.LinkUsed as err:
        return _closed(err.message, "used", 409)
    except fvu_feedback.LinkExpired as err:
        return _closed(err.message, "expired", 410)
    registration = link.registration
    name = registration.member.full_name
    values, errors = {}, {}
    if request.method == "POST":
        values = {k: request.form.get(k, "")[:2100] for k in ("outcome", "hours", "situation")}
        try:
            with unit_of_work():
                fvu_feedback.record_by_provider(db.session, token, values, secret=secret, now=now)
            return render_template("fvu_feedback/thanks.html", name=name)
        except fvu_feedback.LinkUsed as err:  # another tab was quicker
            return _closed(err.message, "used", 409)
        except ValidationFailed as err:
            errors = err.errors or {"_": err.message}
    else:
        hours = registration.attended_hours
        values = {"hours": format_hours(hours)}
    return render_template("fvu_feedback/form.html", registration=registration,
                           offer_session=registration.offer_session, values=values, errors=errors,
                           limit=fvu_feedback.hours_limit(registration)), (422 if errors else 200)
