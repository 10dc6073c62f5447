"""The web side of portal.services.form_once: the hidden key a create form carries, claiming it in a view, and
the answer to a second send of the same page."""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from portal.extensions import db
from portal.services import form_once


def form_once_field() -> Markup:
    """`{{ form_once() }}` in a create form: its one-time key (the same again when the page is shown with errors,
    whose send saved nothing)."""
    sent = request.form.get(form_once.FIELD) if request.method == "POST" else None
    key = sent if sent and form_once.well_formed(sent) else form_once.new_key()
    return Markup('<input type="hidden" name="%s" value="%s">') % (form_once.FIELD, escape(key))


def claim(now: datetime):
    """Claim the sent form's key in the current unit of work (form_once.AlreadySent if it was sent before)."""
    return form_once.claim(db.session, request.form.get(form_once.FIELD), current_user.id, now=now)


def already_sent(sent: form_once.AlreadySent, fallback: str):
    """A second send of a saved form: say so and show what the first send made."""
    flash(_("Formularen var allerede sendt, så den er kun gemt én gang. Her er det, der blev gemt."), "info")
    return redirect(sent.result_url or fallback)


def init_app(app) -> None:
    app.jinja_env.globals["form_once"] = form_once_field
