"""Bearer tokens for the API: signed (itsdangerous) user id + session generation, with an expiry."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.errors import problem
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import User

TOKEN_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "gen": user.session_generation})


def user_from_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=TOKEN_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.session_generation != data.get("gen"):
        return None
    return user


def api_role_required(*roles: str):
    """Require a valid bearer token of one of `roles`; the user is in `g.api_user`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _space, token = header.partition(" ")
            user = user_from_token(token.strip()) if scheme.lower() == "bearer" and token else None
            if user is None:
                resp = problem(401, _("Manglende eller ugyldig adgangsnøgle. Hent en ny via /api/v1/auth/token."))
                resp.headers["WWW-Authenticate"] = "Bearer"
                return resp
            if user.role not in roles:
                return problem(403, _("Din rolle har ikke adgang til dette."))
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        wrapped.api_token = True
        return wrapped

    return decorator


def json_body() -> dict:
    """The request's JSON object, or a 400 problem via ValidationFailed."""
    from portal.services.errors import ValidationFailed

    if not request.is_json:
        raise ValidationFailed(_("Send JSON med Content-Type: application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Forespørgslen er ikke et gyldigt JSON-objekt."))
    return data
