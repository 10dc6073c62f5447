"""Request ids for log lines and audit entries (X-Request-ID in, X-Request-ID out)."""
from __future__ import annotations

import random
import re

from flask import g, has_request_context, request

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    # 16 hex digits. A request id only tells log lines apart, it guards nothing: the process's own generator (reseeded
    # in every forked worker) instead of a system call for 8 secret bytes on every request.
    g.request_id = incoming if _SAFE.match(incoming) else f"{random.getrandbits(64):016x}"  # nosec B311


def current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None
