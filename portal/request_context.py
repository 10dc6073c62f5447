"""Request ids for log lines and audit entries (X-Request-ID in, X-Request-ID out)."""
from __future__ import annotations

import re
import secrets

from flask import g, has_request_context, request

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _SAFE.match(incoming) else secrets.token_hex(8)  # 16 hex digits, as before


def current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None
