"""Known devices: a signed cookie that remembers which accounts have signed in from this browser.

OWASP's "device cookie" against account lockout: the per-account wait after repeated wrong passwords
(portal.auth.service) does not hold back a browser that carries this cookie for the account, so an attacker
hammering a login name from elsewhere cannot keep its owner out. The cookie proves only "this browser signed in
as this account before"; the password is still checked on every login.
"""
from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "portal_device"
MAX_AGE_DAYS = 180
MAX_ACCOUNTS = 5  # a shared computer at a department remembers a few staff accounts, not everyone's


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal.known-device")


def known_accounts() -> list[int]:
    """The account ids this browser has signed in to (empty for a missing, forged or expired cookie)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def is_known(user_id: int | None) -> bool:
    return user_id is not None and user_id in known_accounts()


def remember(response, user_id: int):
    """Add the account to this browser's cookie (most recent first); returns the response."""
    ids = [user_id, *(i for i in known_accounts() if i != user_id)][:MAX_ACCOUNTS]
    response.set_cookie(COOKIE, _serializer().dumps(ids), max_age=MAX_AGE_DAYS * 86400, httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), samesite="Lax")
    return response
