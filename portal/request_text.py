"""Text no database can hold, refused at the door: the NUL character (U+0000).

PostgreSQL refuses NUL in text ("cannot contain NUL (0x00) characters"), so a NUL typed into any free-text field,
query parameter, path segment or JSON string would end in a 500 there, while SQLite would store it and cut it short
in length() and LIKE. No person types NUL; it comes from fuzzers and broken clients. One before-request check answers
400 with the reason, in the page's language or as problem+json, before any view reads the request: nothing is
written, on either database.
"""
from __future__ import annotations

from flask import Flask, request

NUL = "\x00"


def contains_nul(value) -> bool:
    """Whether a decoded JSON value, or a string, holds a NUL anywhere (keys included)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _request_has_nul() -> bool:
    if NUL in request.path:
        return True
    if any(NUL in key or NUL in value for key, value in request.args.items(multi=True)):
        return True
    if request.is_json:
        # the nesting depth is already bounded (portal/json_bodies.py); invalid JSON is left to the view's answer
        return contains_nul(request.get_json(silent=True, cache=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any(NUL in key or NUL in value for key, value in request.form.items(multi=True))
    return False


def init_app(app: Flask) -> None:
    """Call after portal.json_bodies.init_app (this check parses the JSON body that one has measured)."""

    @app.before_request
    def _refuse_nul():
        # Without a query string a GET has nothing but its path to check: read from the WSGI environ (the server
        # decodes %00 in the path into PATH_INFO), one look-up of the request instead of three.
        environ = request.environ
        if environ["REQUEST_METHOD"] in ("GET", "HEAD", "OPTIONS") and not environ.get("QUERY_STRING") \
                and NUL not in environ.get("PATH_INFO", ""):
            return None
        if _request_has_nul():
            from flask_babel import gettext as _

            from portal.errors import respond

            return respond(400, _("Forespørgslen indeholder et usynligt nul-tegn (NUL), som ikke kan gemmes. "
                                  "Skriv teksten igen uden det."))
        return None
