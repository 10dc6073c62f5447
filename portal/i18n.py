"""Danish by default, English switchable: ?lang=, then the session, then the user's setting, else Danish.

Also the language helpers the services share: `N_` to mark module-level texts for the catalogue, and dates
written the Danish way ("torsdag 3. december 2026 kl. 10.00") that become English ones in an English context.
"""
from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.extensions import babel
from portal.timeutil import to_local


def N_(text: str) -> str:
    """Marks a module-level text for the catalogue (Babel's default keyword); translate it where it is shown."""
    return text


def current_language() -> str:
    """The language of this request (or of force_locale); Danish outside an app (CLI scripts, imports)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("da", "en") else "da"


def localized_pattern(pattern: str, language: str) -> str:
    """A CLDR date pattern written the Danish way, for `language`: "d. MMM y 'kl.' HH.mm" → "d MMM y 'at' HH:mm"."""
    if language == "da":
        return pattern
    return pattern.replace("'kl.'", "'at'").replace("d. ", "d ").replace("HH.mm", "HH:mm")


def format_local_datetime(value: datetime, pattern: str, language: str | None = None) -> str:
    """`value` in Copenhagen time with a Danish-style pattern, in `language` (default: the current one)."""
    language = language or current_language()
    return format_datetime(to_local(value), localized_pattern(pattern, language), locale=language)


def format_local_date(value: date | datetime, pattern: str, language: str | None = None) -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    language = language or current_language()
    return format_date(value, localized_pattern(pattern, language), locale=language)


def select_locale() -> str:
    languages = ("da", "en")
    if not has_request_context():  # scheduler, CLI, chatbot actions: Danish unless they force_locale()
        return "da"
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return "da"  # Danish by default, whatever the browser says; English is one click away


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def _remember_asked_language():
        # Also on responses that render nothing (a redirect), so the choice survives to the next page.
        asked = request.args.get("lang")
        if asked in app.config["LANGUAGES"]:
            session["lang"] = asked
            # Logged in: also the account's setting, so a concurrent request that rewrites the session cookie
            # (e.g. the chat's polling) cannot undo the choice.
            if getattr(current_user, "is_authenticated", False) and current_user.locale != asked:
                from portal.extensions import db

                current_user.locale = asked
                db.session.commit()
