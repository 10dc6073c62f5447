"""Password login: lookup by username or member number, lockout after repeated failures, session rotation."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.passwords import hash_password, verify_password
from portal.models import Member, User
from portal.models.users import ROLES
from portal.services import audit
from portal.services.errors import NotAllowed, ValidationFailed
from portal.timeutil import utcnow


class LoginFailed(NotAllowed):
    """Wrong credentials or a locked account; the message never says which part was wrong."""

    status = 401
    code = "login_failed"


def find_user(session: Session, login: str) -> User | None:
    """A user by username, or by member number for members."""
    login = login.strip()
    user = session.scalar(select(User).where(User.username == login))
    if user is None and login.isdigit():
        user = session.scalar(select(User).join(Member, Member.user_id == User.id).where(Member.member_number == login))
    return user


def authenticate(
    session: Session, login: str, password: str, *, max_failures: int, lockout_minutes: int,
    now: datetime | None = None,
) -> User:
    """Return the user for good credentials; count failures and lock the account after `max_failures`."""
    now = now or utcnow()
    user = find_user(session, login)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        verify_password(None, password)  # same work as a real check
        audit.record(session, None, "login.locked", detail={"user_id": user.id}, now=now)
        session.commit()
        raise LoginFailed(_("Kontoen er midlertidigt låst efter for mange forkerte forsøg. Prøv igen senere."))
    if user is None or not verify_password(user.password_hash, password) or not user.active:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= max_failures:
                user.locked_until = now + timedelta(minutes=lockout_minutes)
                user.failed_logins = 0
            audit.record(session, None, "login.failed", detail={"user_id": user.id}, now=now)
            session.commit()
        raise LoginFailed(_("Forkert brugernavn eller adgangskode."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user, "login.success", now=now)
    session.commit()
    return user


def end_session(session: Session, user: User) -> None:
    """Logout ends every session and API token of the user (the generation is part of both)."""
    user.session_generation += 1
    audit.record(session, user, "logout")
    session.commit()


def load_user(session: Session, user_id: str) -> User | None:
    """Flask-Login loader: the id is "<id>:<generation>"; a stale generation loads nobody."""
    try:
        raw_id, raw_gen = user_id.split(":", 1)
        user = session.get(User, int(raw_id))
        gen = int(raw_gen)
    except (ValueError, TypeError):
        return None
    if user is None or user.session_generation != gen:
        return None
    return user


def create_user(
    session: Session, *, username: str, password: str, role: str, display_name: str,
    email: str | None = None, actor: User | str | None = "cli", now: datetime | None = None,
) -> User:
    if role not in ROLES:
        raise ValidationFailed(f"Ukendt rolle: {role}", field="role")
    if not username or len(username) > 80:
        raise ValidationFailed("Brugernavnet skal være 1-80 tegn.", field="username")
    if len(password) < 10:
        raise ValidationFailed("Adgangskoden skal være mindst 10 tegn.", field="password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed("Brugernavnet findes allerede.", field="username")
    user = User(
        username=username, password_hash=hash_password(password), role=role, display_name=display_name,
        email=email, created_at=now or utcnow(), failed_logins=0, session_generation=0, active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", target=user, detail={"role": role}, now=now)
    return user
