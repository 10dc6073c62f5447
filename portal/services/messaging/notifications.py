"""In-app notifications: a member's on Min side (/min-side/beskeder), staff's on /sagsbehandler/beskeder with a
count of the unread on every staff page, the job centre's on its inbox."""
from __future__ import annotations

from datetime import datetime
from numbers import Number

from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from portal.database import Count, Read, prepared
from portal.i18n import gettext
from portal.models import Notification
from portal.timeutil import utcnow

# The column's size (Notification.text). A notification is one line in a list, with a link to the whole thing (the
# member's page, the chat, the session), so the column stays this size: a 2,000-character reason would bury the
# lines after it. A line that would not fit gives way in its variable parts instead (see `_fitted`), so the sentence
# saying what happened is never the part that is cut.
TEXT_MAX = Notification.__table__.c.text.type.length
ELLIPSIS = "…"


def notify(session: Session, user_id: int, text: str, link: str | None = None, now: datetime | None = None, *,
           language: str | None):
    """Store `text` as given (already written for its reader: a message's stored subject, a note someone wrote),
    with the language it is written in (`language`: "da", "en"; None if not known), so a page in another language
    marks it as such. Longer than the column, its end gives way to "…": the linked page shows it whole."""
    note = Notification(user_id=user_id, text=_shortened(text, TEXT_MAX), language=language, link=link,
                        created_at=now or utcnow())
    session.add(note)
    return note


def notify_in_language(session: Session, user, message: str, *, link: str | None = None,
                       now: datetime | None = None, **variables):
    """A line for `user` written in their language (their account's): `message` is a Danish source string (marked
    with N_) and `variables` its %(name)s values, so a member reading Min side in English is not told in Danish
    what their caseworker did (the text is stored as written, like an e-mail).

    A variable that is itself portal text (a lazy string: `in_reader_language(N_(...))`, a date formatted lazily)
    is rendered in the same language. Works outside a request (the scheduler, the chatbot's actions): the language
    is forced in the app context; without one the Danish source is used."""
    language = getattr(user, "locale", None) or "da"
    with force_locale(language):
        template = gettext(message)
        values = {name: value if isinstance(value, Number) else str(value) for name, value in variables.items()}
    return notify(session, user.id, _fitted(template, values) if values else template, link, now, language=language)


def in_reader_language(source: str) -> LazyString:
    """A Danish source string (N_: a step's title, a reason's label) as one of `notify_in_language`'s variables:
    translated with the message, in its reader's language."""
    return LazyString(gettext, source)


def _fitted(template: str, values: dict) -> str:
    """`template % values` within TEXT_MAX: while too long, the longest text variable (a reason, a subject, a
    member's name) is shortened and ends in "…"; the template's own words stay whole."""
    text = template % values
    while len(text) > TEXT_MAX:
        texts = [name for name, value in values.items()
                 if isinstance(value, str) and len(value) > 1 and f"%({name})" in template]
        if not texts:
            break
        longest = max(texts, key=lambda name: len(values[name]))
        values[longest] = _shortened(values[longest], len(values[longest]) - (len(text) - TEXT_MAX))
        text = template % values
    return _shortened(text, TEXT_MAX)


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:max(limit - 1, 0)].rstrip() + ELLIPSIS


@prepared
def _unread_count():
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == bindparam("unread_user_id"), Notification.read_at.is_(None))


def unread_count(session: Session, user_id: int) -> int:
    return unread_count_of(user_id).run(session)


def unread_count_of(user_id: int) -> Count:
    """`unread_count` as a Count, to be run with others (the staff badges)."""
    return Count(("notifications.unread",), _unread_count(), {"unread_user_id": user_id})


def recent(session: Session, user_id: int, limit: int = 10) -> list[Notification]:
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc()).limit(limit)
    ))


def recent_and_unread(session: Session, user_id: int, limit: int = 10) -> tuple[list[tuple], int]:
    """`recent` and `unread_count` in one statement (Min side shows both): the count rides on every row, and
    no row at all means no notification, so none unread. The messages as rows of what a list of them shows (id,
    text, its language, link, read_at, created_at), not objects (issue 19)."""
    rows = recent_and_unread_read(user_id, limit).lines(session)
    return rows, (rows[0].unread if rows else 0)


def recent_and_unread_read(user_id: int, limit: int = 10) -> Read:
    return Read(_recent_with_unread_count(limit), {"user_id": user_id})


@prepared
def _recent_with_unread_count(limit: int):
    user_id = bindparam("user_id")
    unread = (select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())
    return (select(Notification.id, Notification.text, Notification.language, Notification.link,
                   Notification.read_at, Notification.created_at, unread.label("unread"))
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc()).limit(limit))


def open_note(session: Session, user_id: int, note_id: int, now: datetime) -> Notification | None:
    """The user opens one of their messages (follows its link): it is read from now on. None for a message that
    is not theirs (or not there)."""
    note = session.get(Notification, note_id)
    if note is None or note.user_id != user_id:
        return None
    if note.read_at is None:
        note.read_at = now
    return note


def mark_all_read(session: Session, user_id: int, now: datetime | None = None) -> None:
    session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )


def staff_badge(user) -> dict | None:
    """portal.staff_badges provider: the staff member's unread messages (a chat that ordered a CV, a job centre's
    answer, a member's plan proposal, a deadline alert …), on every staff page."""
    from portal.staff_badges import CountedBadge

    return CountedBadge(unread_count_of(user.id), _unread_badge)


def _unread_badge(count: int) -> dict | None:
    from flask import url_for

    if not count:
        return None
    return {"label": gettext("Nye beskeder"), "count": count, "url": url_for("caseworker.messages")}
