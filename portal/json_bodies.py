"""JSON request bodies with bounded nesting, refused before anything parses them.

Python's JSON decoder recurses once per `[` or `{`: a 2 MiB body of nested brackets ends in RecursionError, a 500
that anyone could trigger, on any endpoint that reads JSON (the chat's rate-limit key reads the body before the
view). A before-request check, registered before the CSRF check and the rate limiter, answers 400 with the reason
before anything parses the body. The body's size is already bounded by MAX_CONTENT_LENGTH (413).
"""
from __future__ import annotations

import re

from flask import Flask, request

MAX_DEPTH = 32  # the deepest body the portal's own API and the Rasa webhook send is 4 levels
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(body: bytes | str, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in `body` (brackets inside strings don't count); stops past `limit`."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def init_app(app: Flask) -> None:
    """Call before the rate limiter's init_app, so this check runs before its key functions read the body."""

    @app.before_request
    def _refuse_deep_json():
        # No Content-Type, no JSON (request.is_json parses the header; most requests have none)
        if request.environ.get("CONTENT_TYPE") and request.is_json and request.content_length != 0:
            body = request.get_data(cache=True)
            if nesting_depth(body) > MAX_DEPTH:
                from flask_babel import gettext as _

                from portal.errors import problem

                return problem(400, _("JSON-data må højst være indlejret %(levels)s niveauer.", levels=MAX_DEPTH))
        return None
