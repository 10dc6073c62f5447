"""In-app notifications: a member's on Min side (/min-side/beskeder), staff's on /sagsbehandler/beskeder with a
count of the unread on every staff page, the job centre's on its inbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from portal.database import prepared
from portal.models import Notification
from portal.timeutil import utcnow


def notify(session: Session, user_id: int, text: str, link: str | None = None, now: datetime | None = None):
    note = Notification(user_id=user_id, text=text[:500], link=link, created_at=now or utcnow())
    session.add(note)
    return note


def notify_in_language(session: Session, user, message: str, *, link: str | None = None,
                       now: datetime | None = None, **variables):
    """A line for `user` written in their language (their account's): `message` is a Danish source string (marked
    with N_) and `variables` its %(name)s values, so a member reading Min side in English is not told in Danish
    what their caseworker did (the text is stored as written, like an e-mail)."""
    from flask_babel import force_locale, gettext

    with force_locale(getattr(user, "locale", None) or "da"):
        text = gettext(message, **variables)
    return notify(session, user.id, text, link, now)


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ) or 0


def recent(session: Session, user_id: int, limit: int = 10) -> list[Notification]:
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc()).limit(limit)
    ))


def recent_and_unread(session: Session, user_id: int, limit: int = 10) -> tuple[list[Notification], int]:
    """`recent` and `unread_count` in one statement (Min side shows both): the count rides on every row, and
    no row at all means no notification, so none unread."""
    rows = session.execute(_recent_with_unread_count(limit), {"user_id": user_id}).all()
    return [note for note, _ in rows], (rows[0][1] if rows else 0)


@prepared
def _recent_with_unread_count(limit: int):
    user_id = bindparam("user_id")
    unread = (select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())
    return (select(Notification, unread).where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc()).limit(limit))


def mark_all_read(session: Session, user_id: int, now: datetime | None = None) -> None:
    session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )


def staff_badge(user) -> dict | None:
    """STAFF_BADGE_PROVIDERS entry: the staff member's unread messages (a chat that ordered a CV, a job centre's
    answer, a member's plan proposal, a deadline alert …), on every staff page."""
    from flask import url_for
    from flask_babel import gettext

    from portal.extensions import db

    count = unread_count(db.session, user.id)
    if not count:
        return None
    return {"label": gettext("Nye beskeder"), "count": count, "url": url_for("caseworker.messages")}
