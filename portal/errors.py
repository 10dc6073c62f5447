"""Error handling in one place: pages in the user's language (Danish by default), problem+json (RFC 9457) under
/api/, never a stack trace."""
from __future__ import annotations

import logging
from functools import wraps

from flask import Flask, current_app, g, jsonify, render_template
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.auth.decorators import wants_json
from portal.i18n import N_
from portal.services.errors import DomainError

log = logging.getLogger("portal.errors")

# Danish source strings; translated when a page or a problem+json body is made (the request's language).
TITLES = {
    400: N_("Ugyldig forespørgsel"),
    401: N_("Log ind først"),
    403: N_("Ingen adgang"),
    404: N_("Siden findes ikke"),
    405: N_("Metoden er ikke tilladt"),
    409: N_("Konflikt"),
    413: N_("For meget data"),
    415: N_("Forkert indholdstype"),
    422: N_("Ugyldige oplysninger"),
    429: N_("For mange forsøg"),
    500: N_("Der skete en fejl"),
    503: N_("Kan ikke gemme lige nu"),
}
FALLBACK_TITLE = N_("Fejl")


def title_for(status: int) -> str:
    return _(TITLES.get(status, FALLBACK_TITLE))


def page_errors(exc: DomainError, ids: dict[str, str]) -> dict[str, str]:
    """A refusal as a form page shows it: {field id: message} for templates/_form_errors.html and the field
    helpers (templates/_field.html). `ids` maps the service's field names to the ids of this page's fields (a page
    with several forms names them apart); a message for no field on the page goes under "_" (in the summary,
    linked to nothing)."""
    named = getattr(exc, "errors", None) or ({exc.field: exc.message} if exc.field else {})
    errors: dict[str, str] = {}
    for field, message in named.items():
        errors.setdefault(ids.get(field, "_"), message)
    return errors or {"_": exc.message}


def problem(status: int, detail: str, *, title: str | None = None, type_: str = "about:blank", **extra):
    body = {"type": type_, "title": title or title_for(status), "status": status, "detail": detail}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page(status: int, detail: str, title: str | None = None):
    return render_template("errors/error.html", status=status, title=title or title_for(status),
                           detail=detail), status


def respond(status: int, detail: str, *, title: str | None = None, **extra):
    if wants_json():
        return problem(status, detail, title=title, **extra)
    return _page(status, detail, title)


def _rollback() -> None:
    """Undo the request's transaction; a database that is gone has nothing to undo (its close discards the
    connection), and the error page must still be shown."""
    from portal.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed while answering an error", exc_info=True)


def _signed_in_user_or_visitor(err: Exception) -> None:
    """Load the signed-in user before an error answer is made (the page names them, their language is theirs).
    When the database cannot load them, answer as to a visitor: loading them inside the handler would raise a
    second error, which ends in the server's bare English 500 instead of our page."""
    if "_login_user" in g:
        return
    if not isinstance(err, OperationalError):  # after that one, do not wait for a second connect to fail
        if isinstance(err, SQLAlchemyError):
            _rollback()  # a failed flush leaves the session unusable until then
        try:
            current_app.login_manager._load_user()
            return
        except SQLAlchemyError:
            _rollback()
    current_app.login_manager._update_request_context_with_user(None)  # Flask-Login's anonymous user


def _safe(handler):
    """Wrap an error handler so that making its answer never needs the database (see above)."""
    @wraps(handler)
    def answer(err):
        _signed_in_user_or_visitor(err)
        return handler(err)

    return answer


def storage_full(err: OperationalError) -> bool:
    """The database cannot grow: SQLite's SQLITE_FULL ("database or disk is full") or PostgreSQL's disk_full
    (SQLSTATE 53100)."""
    orig = getattr(err, "orig", None)
    return getattr(orig, "sqlstate", None) == "53100" or "database or disk is full" in str(orig).lower()


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    @_safe
    def _domain(err: DomainError):
        extra = {"code": err.code}
        if getattr(err, "errors", None):
            extra["errors"] = err.errors
        _rollback()  # nothing half-written
        return respond(err.status, err.message, **extra)

    @app.errorhandler(CSRFError)
    @_safe
    def _csrf(err):
        return respond(400, _("Formularen er udløbet eller mangler sikkerhedsnøglen. Genindlæs siden og prøv igen."))

    @app.errorhandler(RateLimitExceeded)
    @_safe
    def _ratelimit(err):
        return respond(429, _("For mange forsøg på kort tid. Vent et øjeblik og prøv igen."))

    @app.errorhandler(UnicodeDecodeError)
    @_safe
    def _bad_encoding(err):
        return respond(400, _("Forespørgslen indeholder tegn, der ikke er gyldig UTF-8."))

    @app.errorhandler(HTTPException)
    @_safe
    def _http(err: HTTPException):
        status = err.code or 500
        details = {
            400: _("Forespørgslen kunne ikke forstås."),
            403: _("Du har ikke adgang til denne side."),
            404: _("Siden findes ikke."),
            405: _("Metoden er ikke tilladt her."),
            413: _("Der blev sendt for meget data."),
            415: _("Forkert indholdstype."),
        }
        return respond(status, details.get(status, _("Der skete en fejl.")))

    @app.errorhandler(OperationalError)
    @_safe
    def _database_unavailable(err: OperationalError):
        _rollback()  # the transaction is undone as a whole: nothing half-written
        if storage_full(err):
            log.critical("the database cannot write: its disk is full (%s)", err.orig)
            response = respond(503, _("Vi kan ikke gemme noget lige nu, fordi serverens lager er fuldt. Intet af "
                                       "det, du sendte, er gemt. Prøv igen om lidt; driften er underrettet."))
            retry_after = "300"
        else:
            # Unreachable, restarting, refusing connections, or a schema that is not there: the operator's to fix,
            # the user's to retry. One line per request in the log; the traceback only when debugging.
            log.error("the database is unavailable: %s", err.orig if err.orig is not None else err,
                      exc_info=log.isEnabledFor(logging.DEBUG))
            response = respond(503, _("Vi kan ikke nå vores database lige nu, så siden kan ikke vises. Prøv igen "
                                       "om et par minutter. Fejlen er registreret."),
                               title=_("Midlertidigt utilgængelig"))
            retry_after = "30"
        response = app.make_response(response)
        response.headers["Retry-After"] = retry_after
        return response

    @app.errorhandler(Exception)
    @_safe
    def _unexpected(err: Exception):
        log.exception("unhandled error")
        _rollback()
        return respond(500, _("Der skete en uventet fejl. Prøv igen om lidt. Fejlen er registreret."))
