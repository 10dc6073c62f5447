"""How actions reach the portal: a database session, the sender's conversation, texts from the domain.

In the embedded runtime the action works in the caller's session, which the runtime hands over on the dispatcher
(chatbot/runtime/agent.py: SessionDispatcher; the view commits). In the standalone action server rasa-sdk's plain
dispatcher carries none: each action gets its own app context and session and commits when it succeeds.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime

_app = None
_app_lock = threading.Lock()
PERSONAL_SLOTS = ("full_name", "birth_date", "contact", "notice_end_date", "phone_number")


def _standalone_app():
    global _app
    with _app_lock:
        if _app is None:
            from portal import create_app

            _app = create_app()
        return _app


@contextmanager
def portal_session(dispatcher):
    """The session an action works in: the one the embedded runtime handed over on `dispatcher` (its caller
    commits), else, in the standalone action server, a session of its own, committed when the action succeeds."""
    from flask import has_app_context

    from portal.extensions import db

    session = getattr(dispatcher, "session", None)
    if session is not None:
        yield session
        return
    if has_app_context():  # inside the portal an action never reaches for the global db.session
        raise RuntimeError("an action run inside the portal needs the caller's session: Agent.handle(session=...)")
    app = _standalone_app()
    with app.app_context():
        try:
            yield db.session
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def utcnow() -> datetime:
    from portal.timeutil import utcnow as now

    return now()


def conversation(session, tracker):
    from portal.services.chat.chat import conversation_for_sender

    return conversation_for_sender(session, tracker.sender_id)


def language(tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "da"


def response_text(domain: dict, name: str, lang: str, tracker=None) -> str:
    """The text of a domain response in `lang` as `tracker`'s slots choose it (e.g. the consent wording the member
    saw, stored with the consent: on Min side it depends on the member's status)."""
    from chatbot.runtime.responses import choose_variation

    variations = (domain or {}).get("responses", {}).get(name, [])
    slots = dict(tracker.slots) if tracker is not None else {}
    slots["language"] = "en" if lang == "en" else "da"
    return choose_variation(variations, slots).get("text", "")


def local_when(value: datetime, lang: str, fmt: str = "EEEE d. MMMM 'kl.' HH:mm") -> str:
    """`value` in Copenhagen time, the pattern written the Danish way and made English in English ("Thursday
    10 December at 10:00", not "10. December kl. 10:00"), as on the portal's pages."""
    from portal.i18n import format_local_datetime

    return format_local_datetime(value, fmt, "en" if lang == "en" else "da")


def local_when_day(value, lang: str, fmt: str = "EEEE d. MMMM") -> str:
    """A date the Danish way, or English in English ("Thursday 10 December")."""
    from portal.i18n import format_local_date

    return format_local_date(value, fmt, "en" if lang == "en" else "da")


CHANNEL_LABELS = {"in_person": ("fremmøde", "in person"), "phone": ("telefon", "phone"), "video": ("video", "video")}


def channel_label(channel: str | None, lang: str) -> str:
    da, en = CHANNEL_LABELS.get(channel or "in_person", CHANNEL_LABELS["in_person"])
    return en if lang == "en" else da


def ask(name: str):
    """Ask a question as its own action, so rules can react to the answer (`- action: utter_ask_consent`)."""
    from rasa_sdk.events import FollowupAction

    return FollowupAction(name)
