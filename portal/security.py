"""Security headers on every response. The CSP forbids inline script: all JS is served from static/."""
from __future__ import annotations

import time

from flask import Flask, g, request
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
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config)


class SecurityHeaders:
    """WSGI middleware: the security headers on every response the app gives, added to the header list as the app
    starts the response (issue 19: as an after-request hook on werkzeug's Headers, which checks every value it is
    given, they were an eighth of an empty request's cost). A view's own Content-Security-Policy and Cache-Control
    stay; the fixed headers (and HSTS in production) replace any the view set. Cache-Control: no-store on HTML."""

    def __init__(self, wsgi_app, config) -> None:
        self.wsgi_app = wsgi_app
        self.config = config

    def __call__(self, environ, start_response):
        def start_with_headers(status, headers, exc_info=None):
            return start_response(status, with_security_headers(headers, bool(self.config.get("PRODUCTION"))),
                                  exc_info)

        return self.wsgi_app(environ, start_with_headers)


# Replaced when a view set them too: the fixed headers, and HSTS in production.
_REPLACED = {production: {name.lower() for name, _ in (*FIXED_HEADERS, *([HSTS] if production else []))}
             for production in (False, True)}


def with_security_headers(headers: list[tuple[str, str]], production: bool) -> list[tuple[str, str]]:
    """`headers` (a WSGI header list) with the security headers."""
    names = {name.lower(): value for name, value in headers}
    replaced = _REPLACED[production]
    out = [pair for pair in headers if pair[0].lower() not in replaced]
    if "content-security-policy" not in names:
        out.append(("Content-Security-Policy", CSP))
    out.extend(FIXED_HEADERS)
    if production:
        out.append(HSTS)
    if "cache-control" not in names and names.get("content-type", "").split(";", 1)[0].strip().lower() == "text/html":
        out.append(("Cache-Control", "no-store"))
    return out


def check_csrf_only_where_it_applies(app: Flask) -> None:
    """Call right after `csrf.init_app(app)`. Flask-WTF's before-request check looks up the view's and blueprint's
    exemptions before it looks at the method, on every GET (issue 19: a twentieth of an empty request); the method
    comes first here. Same answer for every request: a method outside WTF_CSRF_METHODS is never checked."""
    hooks = app.before_request_funcs[None]
    protect = hooks[-1]
    if getattr(protect, "__name__", "") != "csrf_protect":
        raise RuntimeError("Flask-WTF's csrf_protect hook is not where portal.security expects it")

    def csrf_protect():
        if request.method not in app.config["WTF_CSRF_METHODS"]:
            return None
        return protect()

    hooks[-1] = csrf_protect
    # Flask-WTF hands templates its generate_csrf twice: as a global and from a context processor (its last one)
    processors = app.template_context_processors[None]
    if set(processors[-1]()) != {"csrf_token", "csrf_meta_tag"}:
        raise RuntimeError("Flask-WTF's context processor is not where portal.security expects it")
    token = _template_csrf_token(app, app.jinja_env.globals["csrf_token"])
    meta_tag = app.jinja_env.globals["csrf_meta_tag"]
    app.jinja_env.globals["csrf_token"] = token
    processors[-1] = lambda: {"csrf_token": token, "csrf_meta_tag": meta_tag}


def _template_csrf_token(app: Flask, generate_csrf):
    """`csrf_token()` for templates: Flask-WTF's generate_csrf, which keeps the request's token in `g` under the
    field name and returns it from there after the first call; read from there straight away here. A page asks
    for it once per form (Min side: 6), and each generate_csrf call reads the config, `g` and the session through
    Werkzeug's proxies, 5 attribute reads that each format an AttributeError on Python 3.11. Same token, and the
    first call of a request is still Flask-WTF's own."""
    def csrf_token() -> str:
        field = app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        token = g._get_current_object().get(field)
        return token if token is not None else generate_csrf()

    return csrf_token


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
        if "HTTP_COOKIE" not in request.environ:  # no cookie at all: not worth parsing the header that is not there
            return self.session_class()
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
        # A static file is the same for everyone and browsers keep it for a year (portal/static_assets.py): no
        # renewed cookie on it and no Vary: Cookie, which would make a browser ask again after every new cookie (a
        # login, a language switch, the session's renewal) and bar a proxy from sharing it. Flask-Login's
        # remember-cookie hook reads the session on every response, so "accessed" says nothing here.
        if request.endpoint == "static":
            return
        # An empty session that nobody changed sets no cookie: Flask's own method reads seven cookie settings before
        # it finds that out, on every anonymous request. Same Vary header.
        if not session and not session.modified:
            if session.accessed:
                vary_on_cookie(response)
            return
        super().save_session(app, session, response)


def vary_on_cookie(response) -> None:
    """`response.vary.add("Cookie")`, without parsing and re-serialising a Vary header the response does not have
    yet (7 µs of an anonymous request's ~100)."""
    if "Vary" in response.headers:
        response.vary.add("Cookie")
    else:
        response.headers["Vary"] = "Cookie"


def _now() -> float:
    return time.time()
