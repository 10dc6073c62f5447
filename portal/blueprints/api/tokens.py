"""POST /api/v1/auth/token."""
from __future__ import annotations

from flask import current_app, jsonify

from portal.auth.decorators import public
from portal.auth.service import authenticate
from portal.blueprints.api.auth import TOKEN_SECONDS, issue_token, json_body
from portal.blueprints.api.blueprint import bp
from portal.errors import problem
from portal.extensions import db, limiter
from portal.i18n import gettext as _
from portal.unit_of_work import unit_of_work


@bp.route("/v1/auth/token", methods=["POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def create_token():
    data = json_body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return problem(400, _("Angiv både username og password som tekst."))
    if len(username) > 80 or len(password) > 200:
        return problem(400, _("Brugernavn eller adgangskode er for langt."))
    with unit_of_work():  # a refused attempt's count and audit entry are committed too
        attempt = authenticate(
            db.session, username, password,
            free_failures=current_app.config["LOGIN_FREE_FAILURES"],
            max_delay_minutes=current_app.config["LOGIN_MAX_DELAY_MINUTES"],
        )
    if attempt.user is None:
        return problem(401, attempt.refused)
    return jsonify(access_token=issue_token(attempt.user), token_type="bearer", expires_in=TOKEN_SECONDS)
