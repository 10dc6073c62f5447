"""E-mails from templates/email/: `<name>.<lang>.txt` (first line the subject, then a blank line, then the body)
and `<name>.<lang>.html` (the HTML part). Danish and English; the recipient's language, Danish if unknown."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_time
from flask import current_app
from flask_babel import force_locale

from portal.timeutil import LOCAL_TZ

LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_language(language: str | None) -> str:
    return language if language in LANGUAGES else "da"


def render_email(name: str, language: str | None, **context) -> RenderedEmail:
    """Render both parts of one e-mail in the given language. Needs an app context (Flask's Jinja env)."""
    lang = email_language(language)
    helpers = {
        "lang": lang,
        "when": lambda value: format_local(value, lang),
        "day": lambda value: format_day(value, lang),
        "clock": lambda value: format_time(value.astimezone(LOCAL_TZ), "HH:mm", locale=lang),
    }
    # Straight from the app's Jinja environment: an e-mail needs none of the page context processors (navigation,
    # staff badges, the signed-in user), which cost a tenth of a bulk reminder run and have no business in e-mails.
    env = current_app.jinja_env
    with force_locale(lang):  # labels from other areas (lazy_gettext) in the recipient's language
        text = env.get_template(f"email/{name}.{lang}.txt").render(**helpers, **context)
        subject, _, body = text.partition("\n")
        html = env.get_template(f"email/{name}.{lang}.html").render(subject=subject.strip(), **helpers, **context)
    return RenderedEmail(subject=subject.strip()[:300], text=body.lstrip("\n"), html=html)


def format_local(value: datetime, lang: str) -> str:
    """'torsdag den 3. december 2026 kl. 10:00' / 'Thursday 3 December 2026 at 10:00' (Copenhagen time)."""
    local = value.astimezone(LOCAL_TZ)
    if lang == "en":
        return format_datetime(local, "EEEE d MMMM y 'at' HH:mm", locale="en")
    return format_datetime(local, "EEEE 'den' d. MMMM y 'kl.' HH:mm", locale="da")


def format_day(value: date, lang: str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if lang == "en":
        return format_date(value, "EEEE d MMMM y", locale="en")
    return format_date(value, "EEEE 'den' d. MMMM y", locale="da")
