"""Every `PORTAL_*` setting, in one place: its name, default, type and meaning (issue 20).

`SETTINGS` is the list; `Config` builds the Flask config from it (plus values derived for Flask and its
extensions); `value(name)` gives a setting to code that runs with or without an app (the app's config when there is
one, so tests and `create_app(config)` can override it; else the environment). Nothing else in `portal/`,
`chatbot/` or `scheduling/` reads `os.environ`. README's configuration table is generated from `SETTINGS`
(`flask --app portal settings table`) and tested against it (tests/core/test_settings.py).

A value that does not parse stops the process at start with the variable's name and what it expects, instead of
being replaced by a default without a word.
"""
from __future__ import annotations

import multiprocessing
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


class SettingError(click.ClickException, ValueError):
    """A PORTAL_* variable that does not parse. A `click.ClickException` so that `flask --app portal …` shows it as
    one line (`Error: …`, exit status 1) instead of a traceback; gunicorn stops with it as with any error."""


def _int(raw: str) -> int:
    return int(raw.strip())


def _float(raw: str) -> float:
    return float(raw.strip())


def _bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _words(raw: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in raw.split(",") if word.strip())


def _paths(raw: str) -> tuple[Path, ...]:
    return tuple(Path(part) for part in raw.split(":") if part)


def _str(raw: str) -> str:
    return raw


@dataclass(frozen=True)
class OneOf:
    """A parser for a setting with a few allowed words: a misspelt one must stop the start, not quietly mean the
    default (PORTAL_ENV=prod was development mode: no Secure cookies, no HSTS)."""

    choices: tuple[str, ...]

    def __call__(self, raw: str) -> str:
        text = raw.strip().lower()
        if text not in self.choices:
            raise ValueError(raw)
        return text

    @property
    def expects(self) -> str:
        return "one of " + ", ".join(self.choices)


EXPECTS = {_int: "a whole number", _float: "a number", _bool: "1 or 0", _words: "comma-separated words",
           _paths: "folders separated by ':'", _str: "text", Path: "a path"}


@dataclass(frozen=True)
class Setting:
    name: str  # without the PORTAL_ prefix; also the Flask config key
    default: object  # None: unset
    parse: Callable[[str], object]
    meaning: str
    shown_default: str | None = None  # the README's wording of the default when it is not a literal

    @property
    def variable(self) -> str:
        return f"PORTAL_{self.name}"

    def read(self, environ) -> object:
        raw = environ.get(self.variable)
        if raw is None or raw == "":
            return self.default
        try:
            return self.parse(raw)
        except ValueError:
            expects = self.parse.expects if isinstance(self.parse, OneOf) else EXPECTS[self.parse]
            raise SettingError(f"{self.variable}={raw!r}: expected {expects}") from None


S = Setting
SETTINGS: tuple[Setting, ...] = (
    # -- the app
    S("ENV", "development", OneOf(("development", "production")), "`development` or `production` (nothing else "
      "starts); `production` requires `PORTAL_SECRET_KEY` and sets Secure cookies and HSTS"),
    S("DATABASE_URL", None, _str, "SQLAlchemy URL; production: `postgresql+psycopg://user:pw@host/db`",
      "`sqlite:///instance/portal.sqlite3`"),
    S("SECRET_KEY", None, _str, "signs sessions, CSRF and API tokens", "generated into `instance/secret_key` in "
      "development"),
    S("INSTANCE_PATH", ROOT / "instance", Path, "where the SQLite file, the dev secret and model caches live",
      "`instance/`"),
    S("BASE_URL", "http://127.0.0.1:5000", _str, "absolute links in e-mails and flyers"),
    S("DEMO_PASSWORD", "demo-adgangskode", _str, "password of the demo accounts"),
    S("SESSION_MINUTES", 60, _int, "session lifetime"),
    S("MAX_CONTENT_LENGTH", 2 * 1024 * 1024, _int, "largest request body in bytes (413 above it)"),
    S("LOG_LEVEL", "INFO", _str, "log level (structured JSON logs with a request id on every line)"),
    S("LOG_JSON", True, _bool, "`1`: JSON log lines; `0`: plain text"),
    S("BENCH_ROUTES", False, _bool, "`1`: serve `/bench/hello` (benchmarks only)"),
    # -- sign-in and rate limits
    S("REDIS_URL", None, _str, "rate-limit storage shared by several gunicorn workers, e.g. "
      "`redis://127.0.0.1:6379/0`", "unset (memory)"),
    S("LOGIN_RATE_LIMIT", "20 per minute", _str, "login attempts per address and per account name"),
    S("LOGIN_FREE_FAILURES", 5, _int, "wrong passwords in a row before an account's next attempt waits 1, 2, 4 … s "
      "(a browser that signed in to the account before is not held back: no lockout anyone can trigger)"),
    S("LOGIN_MAX_DELAY_MINUTES", 15, _int, "the longest such wait"),
    S("SIGNIN_LINK_RATE_LIMIT", "5 per 10 minutes", _str, "sign-in link requests per client address and per "
      "typed e-mail/phone (each account also gets at most 3 links per 30 minutes)"),
    # -- e-mail and the outbox
    S("SMTP_HOST", "127.0.0.1", _str, "SMTP server of the outbox dispatcher"),
    S("SMTP_PORT", 1025, _int, "its port"),
    S("SMTP_STARTTLS", False, _bool, "`1`: STARTTLS (the certificate is verified)"),
    S("SMTP_USERNAME", None, _str, "SMTP login", "unset"),
    S("SMTP_PASSWORD", None, _str, "SMTP password", "unset"),
    S("SMTP_TIMEOUT", 30.0, _float, "seconds per SMTP operation"),
    S("MAIL_FROM", "FOA A-kasse <noreply@foa.dk>", _str, "sender of every e-mail"),
    S("JOBCENTER_MAIL", None, _str, "e-mail address for job-centre messages (`{location}` = slug of the member's "
      "home municipality, whose job centre it is); unset: they wait", "unset"),
    S("OUTBOX_MAX_ATTEMPTS", 8, _int, "give up on a message (status `dead`, shown on /admin/udbakke) after this "
      "many tries"),
    S("OUTBOX_BATCH", 200, _int, "messages per dispatcher run (one SMTP connection)"),
    S("SMS_GATEWAY_URL", None, _str, "the HTTP SMS gateway (JSON, GatewayAPI-style; docs/scheduling.md); unset: SMS "
      "messages wait and nothing promises an SMS", "unset"),
    S("SMS_GATEWAY_TOKEN", None, _str, "the gateway's API token (`Authorization: Token …`)", "unset"),
    S("SMS_SENDER", "FOA", _str, "the sender name shown on the phone (at most 11 characters)"),
    S("FUND_PHONE", None, _str, "the a-kasse's phone number for members, shown (as a tap-to-call link) where they are "
      "told to call: a conversation too close to move online, a time agreed with the job centre; unset: no number",
      "unset"),
    S("SMS_TIMEOUT", 10.0, _float, "seconds per request to the SMS gateway"),
    # -- the scheduler
    S("SCHEDULER_IN_PROCESS", False, _bool, "`1`: run the scheduler inside the web process (development; `make run` "
      "sets it)"),
    S("SCHEDULER_LEASE_SECONDS", 60, _int, "a silent scheduler loses the lease after this long"),
    S("SCHEDULER_POLL_SECONDS", 10, _int, "how often a waiting scheduler checks whether the lease is free"),
    S("REMINDER_HOURS", 24, _int, "booking and offer-session reminders this many hours before"),
    S("HANDOFF_SLA_MINUTES", 15, _int, "an unclaimed chatbot handoff escalates after this many working minutes"),
    # -- booking and offers
    S("BOOKING_MIN_NOTICE_MINUTES", 24 * 60, _int, "members book, move and cancel up to this long before the start"),
    S("BOOKING_HORIZON_DAYS", 60, _int, "members book at most this far ahead"),
    S("BOOKING_BUFFER_MINUTES", 15, _int, "free time kept before and after every conversation"),
    S("BOOKING_STEP_MINUTES", 30, _int, "the slot grid inside working hours (at least 5)"),
    S("BOOKING_VIDEO_BASE_URL", "https://video.foa.dk/samtale/", _str, "video links are this plus the booking's "
      "code"),
    S("OFFER_HOLD_HOURS", 24, _int, "how long a freed seat is held for the next in line (new offers; 1–168)"),
    S("FVU_PROVIDER_EMAIL", None, _str, "the FVU course provider's (AOF's) address for course feedback: after an FVU "
      "course each participant's single-use feedback form link is e-mailed here; unset: the requests wait", "unset"),
    # -- the job centre
    S("JOBCENTRE_APPROVAL_KINDS", ("activation", "company_internship", "wage_subsidy", "education_long"), _words,
      "Min plan kinds the member's job centre must approve", "`activation,company_internship,wage_subsidy,"
      "education_long`"),
    S("JOBCENTRE_ANSWER_DAYS", 7, _int, "a request unanswered this long is escalated to the caseworker"),
    S("JOBCENTRE_EXCHANGE", "embedded", OneOf(("embedded", "dfdg")), "`embedded` (job centres answer in the portal) or `dfdg` (also queued "
      "for DFDG, a stub)"),
    S("DFDG_URL", None, _str, "the DFDG adapter's endpoint (http/https)", "unset"),
    S("DFDG_TIMEOUT", 10, _int, "the DFDG adapter's timeout in seconds"),
    # -- profiling, chatbot, steering, PDF
    S("MODEL_DIR", None, Path, "the profiling model registry", "`<instance>/models`"),
    S("PROFILING_BLAS_THREADS", 1, _int, "BLAS threads for training (one per process is fastest on a shared "
      "server)"),
    S("CHATBOT_MODEL_DIR", None, Path, "the chatbot's trained-model cache", "`<instance>/chatbot`"),
    S("MINSIDE_CACHE_ENTRIES", 1000, _int, "rendered Min side pages each process keeps (about 16 KiB each) and shows "
      "again while nothing on them has changed (docs/architecture.md); `0` = off"),
    S("MINSIDE_CACHE_SECONDS", 60, _int, "the longest a kept Min side page is shown (writes and the times on the page "
      "end it sooner; `0` = off)"),
    S("KPI_CACHE_SECONDS", 300, _int, "how long the steering page and its exports reuse a computed table (0 = off)"),
    S("PDF_FONT_DIRS", (), _paths, "extra folders with DejaVuSans.ttf for summary PDFs (Debian's are always "
      "searched)", "unset"),
    S("PDF_FALLBACK_FONTS", (), _paths, "extra fallback font files (emoji, symbols) for summary PDFs", "unset"),
    # -- gunicorn (gunicorn.conf.py)
    S("BIND", "127.0.0.1:8000", _str, "gunicorn's address"),
    S("WORKERS", multiprocessing.cpu_count() * 2 + 1, _int, "gunicorn worker processes (gthread)",
      "2 × CPUs + 1"),
    S("THREADS", 2, _int, "threads per gunicorn worker"),
    S("MAX_REQUESTS", 50000, _int, "gunicorn recycles a worker after this many requests (±10 %), a guard against a "
      "slow leak (none measured: docs/performance.md); `0` = never"),
    S("FORWARDED_ALLOW_IPS", "127.0.0.1", _str, "proxies whose X-Forwarded-* headers gunicorn trusts"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def from_environment(environ=None) -> dict[str, object]:
    """Every setting from the environment (or `environ`), parsed; SettingError names a bad one."""
    environ = os.environ if environ is None else environ
    return {setting.name: setting.read(environ) for setting in SETTINGS}


def value(name: str) -> object:
    """One setting: the app's config inside an app context (create_app's overrides apply), else the environment."""
    from flask import current_app, has_app_context

    if has_app_context() and name in current_app.config:
        return current_app.config[name]
    return BY_NAME[name].read(os.environ)


def reloader_child() -> bool:
    """Whether this process is the Werkzeug reloader's child (`flask run --debug`), which serves the requests."""
    return os.environ.get("WERKZEUG_RUN_MAIN") == "true"


INSTANCE = Path(BY_NAME["INSTANCE_PATH"].read(os.environ))


def _dev_secret_key() -> str:
    """A random key kept in instance/ so dev sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _check_database_url(url: str) -> None:
    """A URL SQLAlchemy has a dialect for; otherwise the engine would fail later with a traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url).get_dialect()
    except ArgumentError:
        raise SettingError(f"PORTAL_DATABASE_URL={url!r}: expected a database URL such as "
                           "postgresql+psycopg://user:password@host/db or sqlite:////path/portal.sqlite3") from None


class Config:
    """The Flask config: every setting of SETTINGS under its name, and what Flask and its extensions need."""

    def __init__(self, environ=None) -> None:
        for name, setting_value in from_environment(environ).items():
            setattr(self, name, setting_value)
        self.ENV_NAME = self.ENV
        self.PRODUCTION = self.ENV == "production"
        self.SQLALCHEMY_DATABASE_URI = self.DATABASE_URL or f"sqlite:///{INSTANCE / 'portal.sqlite3'}"
        _check_database_url(self.SQLALCHEMY_DATABASE_URI)
        # No pool_pre_ping: portal.db_connections notices a connection the server dropped without a round trip
        # (tests/core/test_pg_reconnect.py). create_app adds portal.pg_cursor's options for the URL it ends up with.
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        if not self.SECRET_KEY:
            if self.PRODUCTION:
                raise SettingError("PORTAL_SECRET_KEY must be set when PORTAL_ENV=production")
            self.SECRET_KEY = _dev_secret_key()
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PRODUCTION
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.PRODUCTION
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_MINUTES * 60
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead
        self.BABEL_DEFAULT_LOCALE = "da"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.LANGUAGES = ("da", "en")
        # Rate-limit storage: Redis in production (several gunicorn workers), memory otherwise.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOG_LEVEL = (self.LOG_LEVEL or "INFO").upper()
        self.TESTING = False

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def readme_table() -> str:
    """The README's configuration table (markdown), generated from SETTINGS."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        lines.append(f"| `{setting.variable}` | {_shown(setting)} | {setting.meaning} |")
    return "\n".join(lines)


def _shown(setting: Setting) -> str:
    if setting.shown_default is not None:
        return setting.shown_default
    default = setting.default
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return "`1`" if default else "`0`"
    if isinstance(default, tuple):
        return "`" + ",".join(map(str, default)) + "`"
    return f"`{default}`"
