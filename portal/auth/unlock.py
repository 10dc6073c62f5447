"""Unlock by e-mail: the account holder on a new device, while someone else is guessing their password.

The holder asks for a link (the answer never says whether the account exists); the link, valid for 30 minutes,
ends the account's wait and makes the browser that opens it a known device (portal.auth.devices). It does not
sign anyone in: the password is still needed. At most one such e-mail per account per 10 minutes, so the form
cannot be used to flood the holder's inbox.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.auth.service import find_user
from portal.i18n import N_
from portal.models import User
from portal.services import audit
from portal.services.errors import ValidationFailed
from portal.services.links import external_url
from portal.services.messaging import outbox
from portal.services.messaging.email_render import render_email

VALID_FOR = timedelta(minutes=30)
ONE_MAIL_PER = timedelta(minutes=10)
SALT = "portal.login-unlock"
LINK_INVALID = N_("Linket virker ikke længere (det gælder i 30 minutter). Bed om et nyt.")


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def request_unlock(session: Session, login: str, *, secret: str, now: datetime) -> bool:
    """E-mail the holder of `login` an unlock link (in the caller's transaction). False when there is nobody to
    write to; the caller answers the same either way."""
    user = find_user(session, login or "")
    if user is None or not user.active or not user.email:
        return False
    token = _serializer(secret).dumps({"u": user.id})
    link = external_url("auth.unlock_link", token=token)
    email = render_email("login_unlock", user.locale, user=user, link=link, expires_at=now + VALID_FOR)
    window = int(now.timestamp() // ONE_MAIL_PER.total_seconds())
    outbox.enqueue(session, idempotency_key=f"login-unlock:{user.id}:{window}", kind="login_unlock",
                   to_address=user.email, subject=email.subject, body_text=email.text, body_html=email.html,
                   now=now)
    audit.record(session, None, "login.unlock_requested", detail={"user_id": user.id}, now=now)
    return True


def unlock(session: Session, token: str, *, secret: str, now: datetime) -> User:
    """End the account's wait; the caller makes this browser a known device for it. ValidationFailed if the
    link is forged or older than 30 minutes."""
    from flask_babel import gettext as _

    try:
        data = _serializer(secret).loads(token, max_age=int(VALID_FOR.total_seconds()))
    except (SignatureExpired, BadSignature):
        raise ValidationFailed(_(LINK_INVALID)) from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active:
        raise ValidationFailed(_(LINK_INVALID))
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, None, "login.unlocked_by_email", detail={"user_id": user.id}, now=now)
    return user
