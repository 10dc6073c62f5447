"""Security headers on every response. The CSP forbids inline script: all JS is served from static/."""
from __future__ import annotations

import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

CSP = "; ".join([  # noqa: FLY002 - one directive a line reads best
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])


# Replaced on every response (a view's own value gives way), in this order; HSTS only in production.
FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def init_app(app: Flask) -> None:
    app.session_interface = CachedSessionInterface()

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        for name, value in FIXED_HEADERS:
            headers[name] = value
        if app.config.get("PRODUCTION"):
            headers[HSTS[0]] = HSTS[1]
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response


# A signed-in session ends after SESSION_MINUTES without a request (PERMANENT_SESSION_LIFETIME). Flask renews the
# cookie on every response to slide that end forward: signing, compressing and sending a new cookie on every page
# (issue 19: about 6 % of a served Min side). Renewing it once it is this old slides the end just as well, give or
# take this many seconds.
REFRESH_AFTER_SECONDS = 60


class CachedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signing serializer built once per secret key instead of on every
    request (issue 19: about a tenth of an empty request's cost), and an unchanged permanent session's cookie
    renewed at most once every REFRESH_AFTER_SECONDS instead of on every response. Same cookie, same key rotation,
    same server-side expiry (the signature's age, checked on every request)."""

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self.__dict__.get("_serializer")
        if cached is None or cached[0] != key:
            cached = (key, super().get_signing_serializer(app))
            self._serializer = cached
        return cached[1]

    def open_session(self, app: Flask, request):
        """Flask's own, keeping when the cookie was signed (`signed_at`, seconds since the epoch) for
        should_set_cookie."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or _now() - signed_at >= REFRESH_AFTER_SECONDS

    def save_session(self, app: Flask, session, response) -> None:
        # An empty session that nobody changed sets no cookie: Flask's own method reads seven cookie settings before
        # it finds that out, on every anonymous request. Same Vary header.
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def _now() -> float:
    return time.time()
