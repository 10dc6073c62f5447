"""Forms that make something are saved once, however often the page is sent.

A create form carries a one-time key (`form_key`, written by the template's `form_once()`). The view claims the key
in the transaction that saves what the form makes; a second send of the same page (the back button and send again,
a reload answered "yes", two quick clicks) finds the key taken and is shown what the first send made, so a
caseworker's conversation is not registered twice and a member's proposal not sent twice. A send that failed
(a validation error) rolled its claim back with everything else, so the corrected form goes through.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models.users import FormSubmission

FIELD = "form_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEPT = timedelta(days=2)  # long enough for a tab left open overnight; the keys say nothing else


class AlreadySent(Exception):
    """The form with this key was saved before; `result_url` shows what it made (None while it is being saved)."""

    def __init__(self, result_url: str | None) -> None:
        super().__init__(result_url)
        self.result_url = result_url


def new_key() -> str:
    return secrets.token_urlsafe(24)


def well_formed(key: str) -> bool:
    return bool(_KEY.fullmatch(key))


def claim(session: Session, key: str | None, user_id: int, *, now: datetime) -> FormSubmission | None:
    """Take the form's key in the current transaction, before anything else is written in it; AlreadySent if it was
    taken. A form without a (well-formed) key, e.g. one opened before this existed, is not guarded (None)."""
    if not key or not well_formed(key):
        return None
    found = session.get(FormSubmission, key)
    if found is not None:
        raise AlreadySent(found.result_url if found.user_id == user_id else None)
    row = FormSubmission(key=key, user_id=user_id, created_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # another request with the same key saved it while this one looked (claim comes first
        session.rollback()  # in its transaction, so nothing else is lost); what it made is committed by now
        raise AlreadySent(session.scalar(select(FormSubmission.result_url).where(
            FormSubmission.key == key, FormSubmission.user_id == user_id))) from None
    return row


def made(claimed: FormSubmission | None, result_url: str) -> None:
    """Where the form's result can be seen, for a second send of it."""
    if claimed is not None:
        claimed.result_url = result_url[:300]


def purge(session: Session, *, now: datetime) -> int:
    """Forget keys older than KEPT (the retention job)."""
    return session.execute(delete(FormSubmission).where(FormSubmission.created_at < now - KEPT)).rowcount or 0
