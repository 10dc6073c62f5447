"""Password login: lookup by username or member number, growing delays after repeated failures, session rotation.

No lockout anyone can trigger (OWASP, "Blocking Brute Force Attacks"): after `free_failures` wrong passwords in a
row an account's next attempt must wait 1 s, then 2, 4, 8 … seconds, at most `max_delay_minutes`; the wait is
stored in `User.locked_until` ("no attempt before"). A browser that has signed in to the account before (a signed
device cookie, portal.auth.devices) is not held back by that wait, so a password storm against a caseworker's
login name slows the attacker and not the caseworker at their own desk.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from portal.auth.passwords import hash_password, verify_password
from portal.database import prepared
from portal.models import AuditEntry, Member, User
from portal.models.users import ROLES
from portal.query_args import ascii_digits
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.errors import ValidationFailed
from portal.services.person_names import clean_person_name
from portal.timeutil import utcnow


def find_user(session: Session, login: str) -> User | None:
    """A user by username, or by member number for members."""
    login = login.strip()
    user = session.scalar(select(User).where(User.username == login))
    if user is None and ascii_digits(login):
        user = session.scalar(select(User).join(Member, Member.user_id == User.id).where(Member.member_number == login))
    return user


def retry_delay(failures: int, free_failures: int, max_delay: timedelta) -> timedelta:
    """The wait before the next attempt after `failures` wrong passwords in a row: none for the first
    `free_failures`, then 1 s doubling with each further failure, at most `max_delay`."""
    extra = failures - free_failures
    if extra < 0:
        return timedelta(0)
    return min(max_delay, timedelta(seconds=2 ** min(extra, 30)))


@dataclass(frozen=True)
class LoginAttempt:
    """What a password login came to: the signed-in `user`, or the message `refused` with.

    Either way the attempt has changed rows (the account's failure count and wait, the audit entry) and the caller
    commits them, a refused attempt too: that is why a refusal is returned here and not raised, so a unit of work
    around the call keeps the count instead of rolling it back."""

    user: User | None
    refused: str | None = None


def authenticate(
    session: Session, login: str, password: str, *, free_failures: int, max_delay_minutes: int,
    known_device: bool = False, now: datetime | None = None,
) -> LoginAttempt:
    """Sign in with good credentials. Failures grow the account's wait before its next attempt; `known_device` (a
    browser that signed in to this account before) is not held back by it. Nothing is committed here."""
    now = now or utcnow()
    user = find_user(session, login)
    if user is not None and not known_device and user.locked_until is not None and user.locked_until > now:
        verify_password(None, password)  # same work as a real check
        audit.record(session, None, "login.throttled", detail={"user_id": user.id}, now=now)
        seconds = max(1, math.ceil((user.locked_until - now).total_seconds()))
        return LoginAttempt(None, ngettext(
            "For mange forkerte forsøg på kontoen. Vent %(num)d sekund, og prøv igen – eller log ind fra en computer "
            "eller telefon, du har brugt før.",
            "For mange forkerte forsøg på kontoen. Vent %(num)d sekunder, og prøv igen – eller log ind fra en "
            "computer eller telefon, du har brugt før.", seconds))
    if user is None or not verify_password(user.password_hash, password) or not user.active:
        if user is not None:
            user.failed_logins += 1
            wait = retry_delay(user.failed_logins, free_failures, timedelta(minutes=max_delay_minutes))
            user.locked_until = now + wait if wait else None
            audit.record(session, None, "login.failed", detail={"user_id": user.id, "known_device": known_device},
                         now=now)
        return LoginAttempt(None, _("Forkert brugernavn eller adgangskode."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user, "login.success", now=now)
    return LoginAttempt(user)


@dataclass(frozen=True)
class FailedLogins:
    """For the admin page: wrong passwords in the last 24 hours, and the accounts being held back now."""

    last_24h: int
    accounts: list  # (username, role, failures in a row, no attempt before) with at least `free_failures`
    unusual: bool


def failed_login_report(session: Session, *, free_failures: int, now: datetime, usual_per_day: int = 50,
                        limit: int = 20) -> FailedLogins:
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.in_(("login.failed", "login.throttled")), AuditEntry.at >= now - timedelta(hours=24)))
    accounts = session.execute(
        select(User.username, User.role, User.failed_logins, User.locked_until)
        .where(User.failed_logins >= free_failures)
        .order_by(User.failed_logins.desc(), User.username).limit(limit)).all()
    rows = [(name, role, failures, until if until and until > now else None) for name, role, failures, until in accounts]
    return FailedLogins(count or 0, rows, bool(rows) or (count or 0) > usual_per_day)


def end_session(session: Session, user: User) -> None:
    """Logout ends every session and API token of the user (the generation is part of both)."""
    user.session_generation += 1
    audit.record(session, user, "logout")


@prepared
def _user_with_member_or_caseworker():
    return (select(User).options(joinedload(User.member), joinedload(User.caseworker))
            .where(User.id == bindparam("user_id")))


def load_user(session: Session, user_id: str) -> User | None:
    """Flask-Login loader: the id is "<id>:<generation>"; a stale generation loads nobody."""
    try:
        raw_id, raw_gen = user_id.split(":", 1)
        # With the member or caseworker row in the same statement: nearly every page reads one of them.
        user = session.scalar(_user_with_member_or_caseworker(), {"user_id": int(raw_id)})
        gen = int(raw_gen)
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or user.session_generation != gen:  # a deactivated account's session ends
        return None
    return user


PASSWORD_MIN_LENGTH = 10


def check_password_rules(password: str) -> None:
    """The password rules of every account's password (creation and reset)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationFailed("Adgangskoden skal være mindst 10 tegn.", field="password")


def username_taken(session: Session, username: str) -> bool:
    """Whether an account has this username in any case: `testcw` and `TESTCW` would be two logins a person
    cannot tell apart (login itself matches the exact name)."""
    return session.scalar(select(User.id).where(func.lower(User.username) == username.lower()).limit(1)) is not None


@dataclass(frozen=True)
class NewUser:
    username: str
    role: str
    display_name: str
    email: str | None


def check_new_user(session: Session, *, username: str, role: str, display_name: str,
                   email: str | None = None) -> NewUser:
    """Everything about a new account but its password, cleaned; ValidationFailed names the first problem."""
    if role not in ROLES:
        raise ValidationFailed(f"Ukendt rolle: {role}", field="role")
    if not username or len(username) > 80:
        raise ValidationFailed("Brugernavnet skal være 1-80 tegn.", field="username")
    if username != username.strip():  # login strips what is typed, so such a name could never sign in
        raise ValidationFailed(_("Brugernavnet må ikke begynde eller slutte med mellemrum."), field="username")
    if username_taken(session, username):
        raise ValidationFailed("Brugernavnet findes allerede.", field="username")
    display_name = clean_person_name(display_name, field="display_name")
    if email:
        try:
            email = validate_email(email.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationFailed(_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."), field="email") from None
    return NewUser(username, role, display_name, email or None)


def create_user(
    session: Session, *, username: str, password: str, role: str, display_name: str,
    email: str | None = None, actor: Actor | None = SystemActor.CLI, now: datetime | None = None,
) -> User:
    new = check_new_user(session, username=username, role=role, display_name=display_name, email=email)
    check_password_rules(password)
    user = User(
        username=new.username, password_hash=hash_password(password), role=new.role, display_name=new.display_name,
        email=new.email, created_at=now or utcnow(), failed_logins=0, session_generation=0, active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", target=user, detail={"role": role}, now=now)
    return user


def set_password(session: Session, user: User, password: str, *, actor: Actor, now: datetime | None = None) -> None:
    """A new password (an administrator's reset): every session and API token of the account ends, and a wait
    from earlier wrong passwords is lifted. Nothing is committed here."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_generation += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "user.set_password", target=user, now=now)


def deactivate_user(session: Session, user: User, *, actor: Actor, now: datetime | None = None) -> bool:
    """Lock an account out (a leaver): no login, and every open session and API token ends at its next request.
    False if it was deactivated already. Nothing is committed here."""
    if not user.active:
        return False
    user.active = False
    user.session_generation += 1
    audit.record(session, actor, "user.deactivate", target=user, now=now)
    return True
