"""Work every gunicorn worker would otherwise repeat on its first requests, done once in the master (issue 19).

gunicorn.conf.py preloads the app in the master and calls `warm_up` before forking, so a new or recycled worker
(`max_requests`) serves its first page at once: before, each one imported the app (≈3.5 s of CPU) and its first
Min side took ≈2 s more (the chat widget's imports and the bot's domain, the templates, the mappers) while the
other workers carried its share. Nothing here opens a database connection (`after_fork` would drop it anyway).
"""
from __future__ import annotations

from flask import Flask


def warm_up(app: Flask) -> None:
    from flask_babel import force_locale, get_translations
    from sqlalchemy.orm import configure_mappers

    from chatbot.runtime.agent import render_response  # noqa: F401 - what the chat widget imports on first render
    from chatbot.runtime.project import load_project

    load_project()
    configure_mappers()
    names = app.jinja_env.list_templates(filter_func=lambda name: name.endswith((".html", ".txt")))
    with app.app_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations()
                for name in names:  # compiled once per language (portal.template_i18n)
                    app.jinja_env.get_template(name)


def after_fork(app: Flask) -> None:
    """In a worker forked from the master: connections the master may have opened are not this process's to use
    (SQLAlchemy's advice for forking: dispose of the pool without closing the parent's connections)."""
    from portal.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
