"""Front page, language switch and the health check."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from portal.auth.decorators import public
from portal.blueprints.auth import home_for, safe_next
from portal.extensions import csrf, db
from portal.i18n import remember_language
from portal.services.messaging import notifications
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        endpoint = home_for(current_user)
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("main/index.html")


@bp.route("/sprog/<lang>", methods=["POST"])
@public
def set_language(lang: str):
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        with unit_of_work():
            remember_language(current_user, lang)
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.route("/beskeder/<int:note_id>")
@login_required
def open_note(note_id: int):
    """A message's link, followed: the message is read from now on (the unread count on Min side and the staff
    badge go down), then its page. Someone else's message is not found."""
    with unit_of_work():
        note = notifications.open_note(db.session, current_user.id, note_id, utcnow())
        if note is None:
            abort(404)
        link = note.link
    return redirect(safe_next(link) or url_for(home_for(current_user)))


@bp.route("/healthz")
@public
@csrf.exempt
def healthz():
    """Database reachable and schema at the migration head(s)."""
    from portal.migrations_state import migration_state

    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
        return jsonify(status="error", checks=checks), 503
    state = migration_state(db.engine)
    checks["migrations"] = "ok" if state["at_head"] else "behind"
    checks["migration_heads"] = state["heads"]
    checks["migration_current"] = state["current"]
    ok = state["at_head"]
    return jsonify(status="ok" if ok else "error", checks=checks), (200 if ok else 503)


def init_app(app) -> None:
    """Benchmark-only bare route (PORTAL_BENCH_ROUTES=1): the server's cost without the portal's work."""
    if app.config["BENCH_ROUTES"]:
        app.add_url_rule("/bench/hello", "bench_hello", public(lambda: "hello"))
