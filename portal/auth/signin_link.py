"""Sign-in links: a password-less way in for members the chatbot registered (issue 15).

A member without a password (made by the chatbot, or any member record without an account) gets a member account
whose password hash is a marker no password verifies against (`NO_PASSWORD`), so the password form never lets
them in; they ask for a link instead. The link carries a random secret signed with itsdangerous (salt
`portal.signin-link`, as the unlock link in portal.auth.unlock): a forged or mangled link is refused before the
database is asked. Only the SHA-256 of the secret is stored (`SignInLink.token_hash`); the link is valid for
`VALID_FOR` and is marked used in the same transaction as the login, by a conditional UPDATE, so two tabs opening
it at once sign in at most once.

Limits: Flask-Limiter per client address and per typed address on the request form (SIGNIN_LINK_RATE_LIMIT), and
here per account: at most `PER_ACCOUNT` links per `PER_ACCOUNT_WINDOW`. The request answers the same whether the
address is known, unknown or held back, so the form cannot be used to learn who is a member.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.i18n import N_
from portal.models import Member, User
from portal.models.users import SignInLink
from portal.services import audit, link_tokens
from portal.services.actors import Actor, SystemActor
from portal.services.chat.contact_details import clean_danish_phone
from portal.services.errors import ValidationFailed
from portal.services.links import external_url
from portal.services.messaging import outbox
from portal.services.messaging import sms as sms_channel
from portal.services.messaging.email_render import render_email

VALID_FOR = timedelta(minutes=30)
PER_ACCOUNT = 3
PER_ACCOUNT_WINDOW = timedelta(minutes=30)
SALT = "portal.signin-link"
NO_PASSWORD = "!no-password"  # not an argon2 hash: verify_password is always False for it
LINK_INVALID = N_("Linket virker ikke. Det kan være udløbet (det gælder i 30 minutter), allerede brugt, eller "
                  "ikke kopieret helt. Bed om et nyt link.")
ADDRESS_INVALID = N_("Skriv en gyldig e-mailadresse eller et dansk telefonnummer.")


def has_password(user: User) -> bool:
    return user.password_hash != NO_PASSWORD


def ensure_member_account(session: Session, member: Member, *, now: datetime,
                          actor: Actor | None = SystemActor.CHATBOT) -> User:
    """The member's login account, made without a password if they have none. Username: the member number."""
    if member.user_id is not None:
        return session.get(User, member.user_id)
    username = member.member_number
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        username = f"m{member.member_number}-{secrets.token_hex(3)}"
    user = User(username=username, password_hash=NO_PASSWORD, role="member", display_name=member.full_name[:160],
                email=member.email, locale=member.language if member.language in ("da", "en") else "da",
                created_at=now, failed_logins=0, session_generation=0, active=True)
    session.add(user)
    session.flush()
    member.user_id = user.id
    audit.record(session, actor, "user.create_passwordless", target=user, member_id=member.id,
                 detail={"role": "member"}, now=now)
    return user


def clean_address(text: str) -> tuple[str | None, str | None]:
    """(email, phone in E.164) from what the member typed, or ValidationFailed (Danish, for the form)."""
    from flask_babel import gettext as _

    text = (text or "").strip()[:254]
    if "@" in text:
        try:
            return validate_email(text, check_deliverability=False).normalized.lower(), None
        except EmailNotValidError:
            raise ValidationFailed(_(ADDRESS_INVALID), field="address") from None
    try:
        return None, clean_danish_phone(text)
    except ValidationFailed:
        raise ValidationFailed(_(ADDRESS_INVALID), field="address") from None


def member_for(session: Session, email: str | None, phone: str | None) -> Member | None:
    if email:
        query = select(Member).where(func.lower(Member.email) == email)
    else:
        query = select(Member).where(Member.phone == phone)
    found = list(session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None  # two members on one address: nobody (a caseworker sorts it)


def request_link(session: Session, address: str, *, secret: str, now: datetime) -> bool:
    """Send a sign-in link to the member at `address` (e-mail or Danish phone number), in the caller's
    transaction. ValidationFailed if the address is not an address at all; otherwise False when nothing was sent
    (unknown address, inactive or staff account, too many links) — the caller answers the same either way."""
    email, phone = clean_address(address)
    member = member_for(session, email, phone)
    if member is None:
        return False
    user = session.get(User, member.user_id) if member.user_id else None
    if user is not None and (user.role != "member" or not user.active):
        return False
    if user is None:
        user = ensure_member_account(session, member, now=now, actor=None)
    return send_link(session, member, user, secret=secret, now=now, channel="sms" if phone else "email") is not None


def send_link(session: Session, member: Member, user: User, *, secret: str, now: datetime,
              channel: str | None = None) -> str | None:
    """Make and send one link (SMS to a known number when asked or when there is no e-mail); returns the link.
    None when the account already had PER_ACCOUNT links in the window, or the member has neither address."""
    recent = session.scalar(select(func.count()).select_from(SignInLink).where(
        SignInLink.user_id == user.id, SignInLink.created_at > now - PER_ACCOUNT_WINDOW))
    if recent >= PER_ACCOUNT:
        audit.record(session, None, "login.link_throttled", detail={"user_id": user.id}, now=now)
        return None
    # Without an SMS gateway a phone-only member gets no link (and the chatbot promises none): a link queued for a
    # channel nothing sends would never arrive.
    sms = bool(member.phone) and sms_channel.available()
    if channel == "sms" and not sms or channel == "email" and not member.email:
        channel = None
    channel = channel or ("email" if member.email else "sms" if sms else None)
    if channel is None:  # nothing that reaches the member: no link, and nobody is told one is coming
        return None
    token, token_hash = link_tokens.new_token(secret, SALT)
    link_row = SignInLink(user_id=user.id, token_hash=token_hash, channel=channel, created_at=now,
                          expires_at=now + VALID_FOR)
    session.add(link_row)
    session.flush()
    link = external_url("auth.signin_link_open", token=token)
    lang = user.locale if user.locale in ("da", "en") else "da"
    if channel == "email":
        mail = render_email("signin_link", lang, user=user, link=link, expires_at=link_row.expires_at)
        outbox.enqueue(session, idempotency_key=f"signin-link:{link_row.id}", kind="signin_link",
                       to_address=member.email, subject=mail.subject, body_text=mail.text, body_html=mail.html,
                       member_id=member.id, now=now)
    else:
        text = (f"Log ind på FOA A-kasses Min side (gælder 30 min., kun én gang): {link}" if lang == "da" else
                f"Sign in to FOA A-kasse's My page (valid 30 min, once): {link}")
        outbox.enqueue(session, idempotency_key=f"signin-link:{link_row.id}", kind="signin_link", channel="sms",
                       to_address=member.phone, subject="Login-link", body_text=text, member_id=member.id, now=now)
    audit.record(session, None, "login.link_sent", member_id=member.id, detail={"user_id": user.id,
                                                                                   "channel": channel}, now=now)
    return link


def _read(session: Session, token: str, *, secret: str, now: datetime) -> SignInLink:
    from flask_babel import gettext as _

    token_hash = link_tokens.stored_hash(token, secret, SALT)
    if token_hash is None:
        raise ValidationFailed(_(LINK_INVALID))
    row = session.scalar(select(SignInLink).where(SignInLink.token_hash == token_hash))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationFailed(_(LINK_INVALID))
    return row


def check_link(session: Session, token: str, *, secret: str, now: datetime) -> None:
    """ValidationFailed if the link is forged, unknown, expired or used; changes nothing (the GET page)."""
    _read(session, token, secret=secret, now=now)


def use_link(session: Session, token: str, *, secret: str, now: datetime) -> User:
    """Mark the link used and return its member's user, in the caller's transaction (the login commits it).
    ValidationFailed if it is forged, unknown, expired, already used, or the account is inactive."""
    from flask_babel import gettext as _

    row = _read(session, token, secret=secret, now=now)
    claimed = session.execute(update(SignInLink).where(SignInLink.id == row.id, SignInLink.used_at.is_(None))
                              .values(used_at=now).execution_options(synchronize_session=False))
    user = session.get(User, row.user_id)
    if claimed.rowcount != 1 or user is None or not user.active or user.role != "member":
        raise ValidationFailed(_(LINK_INVALID))
    user.session_generation += 1  # every older session of the account ends (rotation)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user, "login.success", detail={"method": "signin_link"}, now=now)
    return user
