"""Error handling in one place: pages in the user's language (Danish by default), problem+json (RFC 9457) under
/api/, never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
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


def problem(status: int, detail: str, *, title: str | None = None, type_: str = "about:blank", **extra):
    body = {"type": type_, "title": title or title_for(status), "status": status, "detail": detail}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page(status: int, detail: str):
    return render_template("errors/error.html", status=status, title=title_for(status), detail=detail), status


def respond(status: int, detail: str, **extra):
    if wants_json():
        return problem(status, detail, **extra)
    return _page(status, detail)


def storage_full(err: OperationalError) -> bool:
    """The database cannot grow: SQLite's SQLITE_FULL ("database or disk is full") or PostgreSQL's disk_full
    (SQLSTATE 53100)."""
    orig = getattr(err, "orig", None)
    return getattr(orig, "sqlstate", None) == "53100" or "database or disk is full" in str(orig).lower()


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        extra = {"code": err.code}
        if getattr(err, "errors", None):
            extra["errors"] = err.errors
        from portal.extensions import db

        db.session.rollback()  # nothing half-written
        return respond(err.status, err.message, **extra)

    @app.errorhandler(CSRFError)
    def _csrf(err):
        return respond(400, _("Formularen er udløbet eller mangler sikkerhedsnøglen. Genindlæs siden og prøv igen."))

    @app.errorhandler(RateLimitExceeded)
    def _ratelimit(err):
        return respond(429, _("For mange forsøg på kort tid. Vent et øjeblik og prøv igen."))

    @app.errorhandler(UnicodeDecodeError)
    def _bad_encoding(err):
        return respond(400, _("Forespørgslen indeholder tegn, der ikke er gyldig UTF-8."))

    @app.errorhandler(HTTPException)
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
    def _database_unavailable(err: OperationalError):
        if not storage_full(err):
            return _unexpected(err)
        log.critical("the database cannot write: its disk is full (%s)", err.orig)
        from portal.extensions import db

        db.session.rollback()  # the transaction is undone as a whole: nothing half-written
        response = respond(503, _("Vi kan ikke gemme noget lige nu, fordi serverens lager er fuldt. Intet af det, "
                                   "du sendte, er gemt. Prøv igen om lidt; driften er underrettet."))
        response = app.make_response(response)
        response.headers["Retry-After"] = "300"
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error")
        from portal.extensions import db

        db.session.rollback()
        return respond(500, _("Der skete en uventet fejl. Prøv igen om lidt. Fejlen er registreret."))
