"""Sign-in links: a way in to Min side without a password, for members the chatbot registered (issue 15).

A member asks for a link with the e-mail address or phone number we have; the link goes by e-mail through the
outbox (by SMS when only a number is known, once the outbox sends SMS: `sms_available`), works once and for 30
minutes. Asking never reveals whether an address
is known (the page answers the same either way); at most LINKS_PER_HOUR links per account per hour, so the form
cannot flood anyone's inbox. Only the SHA-256 of a token is stored, and the link opens a page with a button: the
sign-in happens on that POST, so a mail scanner that fetches the link does not spend it.

Production would put MitID in front instead (docs/sign-in.md).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from portal.auth.passwords import hash_password
from portal.i18n import N_
from portal.models import Member, User
from portal.models.users import SignInLink
from portal.services import audit, outbox
from portal.services.email_render import render_email
from portal.services.errors import ValidationFailed
from portal.services.links import external_url

VALID_FOR = timedelta(minutes=30)
LINKS_PER_HOUR = 3
LINK_UNKNOWN = N_("Linket findes ikke. Måske er det ikke kopieret helt. Bed om et nyt link herunder.")
LINK_USED = N_("Linket er allerede brugt: et link virker kun én gang. Bed om et nyt link herunder.")
LINK_EXPIRED = N_("Linket er udløbet (det gælder i 30 minutter). Bed om et nyt link herunder.")
ADDRESS_NEEDED = N_("Skriv den e-mailadresse eller det telefonnummer, du gav os.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_account(session: Session, member: Member, *, now: datetime) -> User:
    """The member's login account: made without a usable password if the member has none (the chatbot registers
    members without one); the username is the member number."""
    if member.user is not None:
        return member.user
    user = User(username=member.member_number, password_hash="!" + hash_password(secrets.token_urlsafe(24)),
                role="member", display_name=member.full_name, email=member.email, locale=member.language or "da",
                created_at=now, failed_logins=0, session_generation=0, active=True)
    session.add(user)
    session.flush()
    member.user_id = user.id
    member.user = user
    audit.record(session, "chatbot", "user.create", member_id=member.id, target=user, now=now,
                 detail={"role": "member", "password": False})
    return user


def _member_for(session: Session, address: str) -> Member | None:
    from portal.services.chat import clean_contact

    try:
        email, phone = clean_contact(address)
    except ValidationFailed:
        return None
    where = func.lower(Member.email) == email.lower() if email else Member.phone == phone
    return session.scalars(select(Member).where(where).order_by(Member.id).limit(2)).first()


def request_link(session: Session, address: str, *, now: datetime) -> bool:
    """Send a sign-in link to the member with this e-mail address or phone number (in the caller's transaction).
    False when nothing was sent (unknown address, no account, too many links this hour): the caller must answer the
    same either way."""
    if not (address or "").strip():
        raise ValidationFailed(ADDRESS_NEEDED, field="address")
    member = _member_for(session, address[:254])
    if member is None or (member.user is not None and (not member.user.active or member.user.role != "member")):
        return False
    return send_link(session, member, now=now)


def sms_available() -> bool:
    """Whether the outbox sends its SMS channel (no SMS gateway yet: phone-only members are not promised a link)."""
    from portal.services.dispatch import SENDABLE_CHANNELS

    return "sms" in SENDABLE_CHANNELS


def can_reach(member: Member) -> bool:
    """Whether a sign-in link can reach the member (an e-mail address, or a phone number when SMS is sent)."""
    return bool(member.email) or bool(member.phone and sms_available())


def can_sign_in(member: Member) -> bool:
    """Whether the member can get in to Min side: an account with a password, or one a sign-in link can reach."""
    if member.user is None:
        return False
    return not member.user.password_hash.startswith("!") or can_reach(member)


def send_link(session: Session, member: Member, *, now: datetime) -> bool:
    """A fresh link to the member: by e-mail if we have an address, else by SMS when SMS can be sent. False if it
    cannot reach the member or they had LINKS_PER_HOUR links in the last hour."""
    user = ensure_account(session, member, now=now)
    if not can_reach(member):
        return False
    recent = session.scalar(select(func.count()).select_from(SignInLink).where(
        SignInLink.user_id == user.id, SignInLink.created_at > now - timedelta(hours=1)))
    if recent >= LINKS_PER_HOUR:
        audit.record(session, None, "signin_link.throttled", member_id=member.id, now=now)
        return False
    token = secrets.token_urlsafe(32)
    channel = "email" if member.email else "sms"
    link = SignInLink(user_id=user.id, token_hash=_hash(token), channel=channel, created_at=now,
                      expires_at=now + VALID_FOR)
    session.add(link)
    session.flush()
    url = external_url("auth.signin_link", token=token)
    message = render_email("signin_link", member.language or "da", member=member, link=url,
                           expires_at=now + VALID_FOR)
    outbox.enqueue(session, idempotency_key=f"signin-link:{link.id}", kind="signin_link", channel=channel,
                   to_address=member.email or member.phone, subject=message.subject,
                   body_text=message.text if channel == "email" else _sms_text(member, url),
                   body_html=message.html if channel == "email" else None, member_id=member.id, now=now)
    audit.record(session, None, "signin_link.sent", member_id=member.id, target=link, now=now,
                 detail={"channel": channel})
    return True


def _sms_text(member: Member, url: str) -> str:
    if member.language == "en":
        return f"FOA A-kasse: sign in to My page (works once, for 30 minutes): {url}"
    return f"FOA A-kasse: log ind på Min side (virker én gang i 30 minutter): {url}"


def check(session: Session, token: str, *, now: datetime) -> SignInLink:
    """The link for this token if it can still be used, else ValidationFailed saying why (unknown, used, expired).
    Changes nothing: the page shown by the link calls this, the button calls `redeem`."""
    from flask_babel import gettext as _

    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == _hash((token or "")[:200])))
    if link is None:
        raise ValidationFailed(_(LINK_UNKNOWN))
    if link.used_at is not None:
        raise ValidationFailed(_(LINK_USED))
    if link.expires_at <= now:
        raise ValidationFailed(_(LINK_EXPIRED))
    if not link.user.active:
        raise ValidationFailed(_(LINK_UNKNOWN))
    return link


def redeem(session: Session, token: str, *, now: datetime) -> User:
    """Spend the link and return its user, who the caller signs in (in the caller's transaction). Two tabs that
    press the button at once: one wins, the other is told the link is used."""
    from flask_babel import gettext as _

    link = check(session, token, now=now)
    spent = session.execute(update(SignInLink).where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise ValidationFailed(_(LINK_USED))
    # Every other unused link of the account ends too: the member is in, older links only add risk.
    session.execute(update(SignInLink).where(SignInLink.user_id == link.user_id, SignInLink.id != link.id,
                                             or_(SignInLink.used_at.is_(None)))
                    .values(used_at=now).execution_options(synchronize_session=False))
    user = link.user
    user.last_login_at = now
    user.failed_logins = 0
    audit.record(session, user, "login", detail={"method": "signin_link", "channel": link.channel}, now=now)
    return user
