"""Settings from environment variables (prefix ``PORTAL_``), one class, documented defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("PORTAL_INSTANCE_PATH", ROOT / "instance"))


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"PORTAL_{name}", default)


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


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


class Config:
    """Every setting the portal reads. See README "Configuration" for the list."""

    def __init__(self) -> None:
        # "development" (default) or "production"; production requires a secret key and sets Secure cookies.
        self.ENV_NAME = _env("ENV", "development")
        self.PRODUCTION = self.ENV_NAME == "production"
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.sqlite3'}")
        # A pooled connection is tested before use: after a database restart, failover or pg_terminate_backend the
        # next request gets a fresh connection instead of a 500 (tests/test_pg_reconnect.py).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        secret = _env("SECRET_KEY")
        if not secret:
            if self.PRODUCTION:
                raise RuntimeError("PORTAL_SECRET_KEY must be set when PORTAL_ENV=production")
            secret = _dev_secret_key()
        self.SECRET_KEY = secret
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PRODUCTION
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.PRODUCTION
        self.PERMANENT_SESSION_LIFETIME = _env_int("SESSION_MINUTES", 60) * 60
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead
        self.BABEL_DEFAULT_LOCALE = "da"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.LANGUAGES = ("da", "en")
        # Login throttling: per address (Flask-Limiter) and per account: after LOGIN_FREE_FAILURES wrong passwords
        # in a row, waits of 1, 2, 4 … s up to LOGIN_MAX_DELAY_MINUTES; a known device is not held back.
        self.LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "20 per minute")
        self.LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 5)
        self.LOGIN_MAX_DELAY_MINUTES = _env_int("LOGIN_MAX_DELAY_MINUTES", 15)
        # Rate-limit storage: Redis in production (several gunicorn workers), memory otherwise.
        redis_url = _env("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = redis_url or "memory://"
        self.REDIS_URL = redis_url
        self.RATELIMIT_HEADERS_ENABLED = True
        self.DEMO_PASSWORD = _env("DEMO_PASSWORD", "demo-adgangskode")
        self.BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")
        # E-mail (the scheduler's outbox dispatcher sends over SMTP).
        self.SMTP_HOST = _env("SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = _env_int("SMTP_PORT", 1025)
        self.SMTP_STARTTLS = _env("SMTP_STARTTLS", "0") == "1"
        self.SMTP_USERNAME = _env("SMTP_USERNAME")
        self.SMTP_PASSWORD = _env("SMTP_PASSWORD")
        self.MAIL_FROM = _env("MAIL_FROM", "FOA A-kasse <noreply@foa.dk>")
        # Run the scheduler inside the dev server process (make run); production runs it as its own process.
        self.SCHEDULER_IN_PROCESS = _env("SCHEDULER_IN_PROCESS", "0") == "1"
        # Min plan kinds the member's job centre must approve (issue 16; seed: activation such as company
        # internships, wage subsidy, education beyond the 6 weeks' job-oriented education).
        self.JOBCENTRE_APPROVAL_KINDS = tuple(k.strip() for k in (_env(
            "JOBCENTRE_APPROVAL_KINDS", "activation,company_internship,wage_subsidy,education_long") or "").split(",")
            if k.strip())
        # Days a job centre has to answer before the caseworker is told (escalation).
        self.JOBCENTRE_ANSWER_DAYS = _env_int("JOBCENTRE_ANSWER_DAYS", 7)
        # The job-centre exchange's adapter: "embedded" (job centres answer in this portal) or "dfdg" (also queued
        # for DFDG at DFDG_URL; a stub, docs/jobcentre.md).
        self.JOBCENTRE_EXCHANGE = _env("JOBCENTRE_EXCHANGE", "embedded")
        self.DFDG_URL = _env("DFDG_URL")
        self.DFDG_TIMEOUT = _env_int("DFDG_TIMEOUT", 10)
        self.LOG_LEVEL = (_env("LOG_LEVEL", "INFO") or "INFO").upper()
        self.LOG_JSON = _env("LOG_JSON", "1") == "1"
        self.TESTING = False

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
