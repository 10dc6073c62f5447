"""Steps the chat journeys share (no tests here): the app's session, waiting for the bot, typing a message."""
from __future__ import annotations

TIMEOUT = 20000


def in_app(app, fn):
    """fn(session) inside the served app's context, as the journeys read what the portal stored."""
    from portal.extensions import db

    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def bot_says(log, text) -> None:
    log.locator(".chat-msg-bot, .chat-msg-system", has_text=text).last.wait_for(timeout=TIMEOUT)


def send(widget, text: str) -> None:
    box = widget.get_by_label("Din besked")
    box.fill(text)
    box.press("Enter")
