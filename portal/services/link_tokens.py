"""Single-use links (the sign-in link, the FVU provider's form): a random secret signed with itsdangerous, so a
mangled link is refused before any lookup, and only its SHA-256 stored, so the table holds nothing that opens a link.
Whether a link is still open (used, expired) is its table's business."""
from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeSerializer


def new_token(secret: str, salt: str) -> tuple[str, str]:
    """(the token for the link's URL, the hash to store with the link's row)."""
    nonce = secrets.token_urlsafe(32)
    return URLSafeSerializer(secret, salt=salt).dumps(nonce), _digest(nonce)


def stored_hash(token: str | None, secret: str, salt: str) -> str | None:
    """The hash a link's row holds for this token; None when the token is forged or mangled."""
    try:
        nonce = URLSafeSerializer(secret, salt=salt).loads(token or "")
    except BadSignature:
        return None
    return _digest(nonce) if isinstance(nonce, str) else None


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
