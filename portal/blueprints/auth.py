"""Login and logout (password). Throttled per address (Flask-Limiter) and per account (growing waits that a known
device, portal.auth.devices, is not held back by)."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.auth import devices, signin_link, unlock
from portal.auth.decorators import public
from portal.auth.service import authenticate, end_session, find_user
from portal.extensions import db, limiter
from portal.i18n import gettext as _
from portal.services.errors import ValidationFailed
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    login = StringField("login", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


class UnlockForm(FlaskForm):
    login = StringField("login", validators=[DataRequired(), Length(max=80)])


class SignInLinkForm(FlaskForm):
    address = StringField("address", validators=[Length(max=254)])


def login_form_errors(form) -> dict[str, str]:
    """One message per field that is empty or too long (the CSRF token's own error is the form's)."""
    errors = {}
    if not (form.login.data or "").strip():
        errors["login"] = _("Skriv dit brugernavn eller medlemsnummer.")
    elif len(form.login.data) > 80:
        errors["login"] = _("Brugernavn eller medlemsnummer må højst være 80 tegn.")
    if "password" in form:
        if not form.password.data:
            errors["password"] = _("Skriv din adgangskode.")
        elif len(form.password.data) > 200:
            errors["password"] = _("Adgangskoden må højst være 200 tegn.")
    if not errors:
        errors["_"] = _("Formularen er udløbet. Genindlæs siden og prøv igen.")
    return errors


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no scheme, no host, no '//' or backslash tricks (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user) -> str:
    return {
        "member": "minside.home",
        "caseworker": "caseworker.caseload",
        "steering": "steering.dashboard",
        "admin": "admin.home",
        "jobcenter": "jobcentre.inbox",
    }.get(user.role, "main.index")


def _from_known_device() -> bool:
    """The per-account-name limit does not apply to a browser that signed in to that account before."""
    if request.method != "POST" or not request.cookies.get(devices.COOKIE):
        return False
    account = find_user(db.session, (request.form.get("login") or "")[:80])
    return devices.is_known(account.id if account else None)


def _login_key() -> str:
    return (request.form.get("login") or "").strip().lower()[:80] or "-"


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key,
               exempt_when=lambda: _from_known_device())
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_for(current_user)) if home_for(current_user) in current_app.view_functions
                        else url_for("main.index"))
    form = LoginForm()
    errors = {}
    if request.method == "POST":
        if form.validate_on_submit():
            account = find_user(db.session, form.login.data)
            with unit_of_work():  # a refused attempt's count and audit entry are committed too
                attempt = authenticate(
                    db.session, form.login.data, form.password.data,
                    free_failures=current_app.config["LOGIN_FREE_FAILURES"],
                    max_delay_minutes=current_app.config["LOGIN_MAX_DELAY_MINUTES"],
                    known_device=devices.is_known(account.id if account else None),
                )
            if attempt.user is None:
                errors = {"_": attempt.refused}
            else:
                user = attempt.user
                _start_session(user)
                target = safe_next(request.args.get("next"))
                endpoint = home_for(user)
                fallback = url_for(endpoint) if endpoint in current_app.view_functions else url_for("main.index")
                return devices.remember(redirect(target or fallback), user.id)
        else:
            errors = login_form_errors(form)
    status = 401 if errors and request.method == "POST" else 200
    return render_template("auth/login.html", form=form, errors=errors), status


def _start_session(user) -> None:
    lang = session.get("lang")
    session.clear()  # nothing from before login survives (session fixation)
    session["sid"] = secrets.token_urlsafe(16)  # a fresh session identity at every login
    if lang:
        session["lang"] = lang
    login_user(user)
    session.permanent = True


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with unit_of_work():
        end_session(db.session, current_user)
    logout_user()
    session.clear()
    flash(_("Du er logget ud."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/session/aktiv")
@login_required
def keep_alive():
    """Someone is typing on a signed-in page (app.js asks at most every five minutes): the session's end moves
    forward as it does on any request, so a caseworker writing a long summary is not signed out mid-sentence."""
    return "", 204


@bp.route("/login/laas-op", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def unlock_request():
    """Ask for an unlock link by e-mail; the answer is the same whether the account exists or not."""
    form = UnlockForm()
    if request.method == "POST":
        if form.validate_on_submit():
            with unit_of_work():
                unlock.request_unlock(db.session, form.login.data, secret=current_app.config["SECRET_KEY"],
                                      now=utcnow())
            return render_template("auth/unlock_request.html", form=form, sent=True)
        return render_template("auth/unlock_request.html", form=form, sent=False,
                               errors=login_form_errors(form)), 422
    return render_template("auth/unlock_request.html", form=form, sent=False)


@bp.route("/login/laas-op/<token>")
@public
def unlock_link(token: str):
    """The link from the e-mail: ends the account's wait and makes this browser a known device for it."""
    try:
        with unit_of_work():
            user = unlock.unlock(db.session, token[:500], secret=current_app.config["SECRET_KEY"], now=utcnow())
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.unlock_request"))
    flash(_("Kontoen er låst op på denne computer eller telefon. Log ind med din adgangskode."), "info")
    return devices.remember(redirect(url_for("auth.login")), user.id)


def _link_was_asked(response) -> bool:
    return response.status_code != 422


def _address_key() -> str:
    return "signin:" + ((request.form.get("address") or "").strip().lower()[:254] or "-")


@bp.route("/login/link", methods=["GET", "POST"])
@public
# A request refused for its input (an empty or malformed address: 422, nothing sent) does not count: a member who
# mistyped five times was shut out for ten minutes when she finally typed it right.
@limiter.limit(lambda: current_app.config["SIGNIN_LINK_RATE_LIMIT"], methods=["POST"], deduct_when=_link_was_asked)
@limiter.limit(lambda: current_app.config["SIGNIN_LINK_RATE_LIMIT"], methods=["POST"], key_func=_address_key,
               deduct_when=_link_was_asked)
def signin_link_request():
    """"Få et login-link": the answer is the same whether the address is known or not (no enumeration)."""
    form = SignInLinkForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("auth/signin_link_request.html", form=form, sent=False,
                                   errors={"_": _("Formularen er udløbet. Genindlæs siden og prøv igen.")}), 422
        try:
            with unit_of_work():
                signin_link.request_link(db.session, form.address.data or "",
                                         secret=current_app.config["SECRET_KEY"], now=utcnow())
        except ValidationFailed as exc:
            return render_template("auth/signin_link_request.html", form=form, sent=False,
                                   errors={"address": exc.message}), 422
        return render_template("auth/signin_link_request.html", form=form, sent=True)
    return render_template("auth/signin_link_request.html", form=form, sent=False)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def signin_link_open(token: str):
    """The link from the e-mail or SMS. GET shows a button (so mail scanners that fetch links do not use it up);
    POST uses the link and signs the member in, in one transaction. A bad link changes nothing."""
    token = token[:500]
    secret = current_app.config["SECRET_KEY"]
    try:
        if request.method == "POST":
            form = FlaskForm()
            if not form.validate_on_submit():
                raise ValidationFailed(_("Formularen er udløbet. Genindlæs siden og prøv igen."))
            with unit_of_work():
                user = signin_link.use_link(db.session, token, secret=secret, now=utcnow())
        else:
            signin_link.check_link(db.session, token, secret=secret, now=utcnow())  # changes nothing
    except ValidationFailed as exc:
        return render_template("auth/signin_link_invalid.html", message=exc.message), 410
    if request.method == "GET":
        return render_template("auth/signin_link_open.html", token=token)
    _start_session(user)
    return redirect(url_for("minside.home"))
