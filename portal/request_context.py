"""Request ids for log lines and audit entries (X-Request-ID in, X-Request-ID out)."""
from __future__ import annotations

import random
import re
import time

from flask import has_request_context, request

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
REQUEST_ID = "portal.request_id"  # the environ keys this module sets
STARTED = "portal.started"


class RequestIds:
    """WSGI middleware: every request gets an id (the caller's X-Request-ID if it is a plain token, else 16 hex
    digits) and the moment it arrived, in its environ, and every response says the id in X-Request-ID. Done at the
    WSGI level (issue 19: as request hooks on Flask's objects they cost an eighth of an empty request)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ[STARTED] = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        # A request id only tells log lines apart, it guards nothing: the process's own generator (reseeded in every
        # forked worker) instead of a system call for 8 secret bytes on every request.
        request_id = environ[REQUEST_ID] = (incoming if incoming and _SAFE.match(incoming)
                                            else f"{random.getrandbits(64):016x}")  # nosec B311

        def start_with_id(status, headers, exc_info=None):
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_id)


def current_request_id() -> str | None:
    if has_request_context():
        return request.environ.get(REQUEST_ID)
    return None


def seconds_since_arrival() -> float | None:
    """How long the current request has taken so far (None outside a request that came through RequestIds)."""
    started = request.environ.get(STARTED) if has_request_context() else None
    return None if started is None else time.perf_counter() - started
