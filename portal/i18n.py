"""Danish by default, English switchable: ?lang=, then the session, then the user's setting, else Danish."""
from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from portal.extensions import babel


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
