"""Fixtures: an app from the factory with a fresh database per test, a client, a CLI runner, factories, login."""
from __future__ import annotations

import contextvars
import os
import re
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db as _db
from tests import factories
from tests.fast_apps import share_compiled_templates

# PORTAL_TEST_DATABASE_URL selects the PostgreSQL leg (see tests/postgres.py); default is a fresh SQLite file.
TEST_DATABASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own `g`, own DB session), as in production.

    The test's own app context stays pushed for direct database work; after each request its session is expired
    so the test sees what the request committed. Commit test data (make.commit()) before making requests.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect being followed (that runs in the request's empty context)
            _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def _postgres_migrated():
    """PostgreSQL leg: build the schema once with the real migrations; tests then start from truncated tables.

    Yields the database URL the tests use (None on SQLite). Under pytest-xdist each worker gets a database of its
    own on the same server (the leg's database name + the worker id), dropped when the worker ends.
    """
    if not TEST_DATABASE_URL:
        yield None
        return
    from tests.postgres import migrate_once, worker_database

    with worker_database(TEST_DATABASE_URL, os.environ.get("PYTEST_XDIST_WORKER")) as url:
        migrate_once(url)
        yield url


# SQLite: this process's file holding the empty schema, built by the first test's create_all and copied for every
# later test (a copy is a few milliseconds; create_all is ~0.14 s, a tenth of an average test).
_SQLITE_SCHEMA: dict[str, Path] = {}


@pytest.fixture
def app(tmp_path, tmp_path_factory, _postgres_migrated):
    url = _postgres_migrated or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    schema = None if _postgres_migrated else _SQLITE_SCHEMA.get("file")
    if schema is not None:
        shutil.copyfile(schema, tmp_path / "test.sqlite3")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SERVER_NAME": None,
    })
    app.test_client_class = IsolatedClient
    share_compiled_templates(app)
    with app.app_context():
        if TEST_DATABASE_URL:
            from tests.postgres import truncate_all

            truncate_all(_db.engine)
        elif schema is None:
            _db.create_all()
            _db.engine.dispose()  # closes the file (SQLite folds the write-ahead log into it) before it is copied
            schema = tmp_path_factory.getbasetemp() / f"schema-{os.getpid()}.sqlite3"
            shutil.copyfile(tmp_path / "test.sqlite3", schema)
            _SQLITE_SCHEMA["file"] = schema
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def session(app):
    return _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Factory helpers bound to the test database: make.member(...), make.caseworker(...), …"""
    return factories.Factory(_db.session)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        response = self.client.get(path)
        if response.status_code in (301, 302, 303):  # e.g. "/" sends a logged-in member to Min side
            response = self.client.get(response.headers["Location"])
        return csrf_from(response.get_data(as_text=True))

    def login(self, username: str, password: str = factories.PASSWORD, follow: bool = False):
        token = self.csrf("/login")
        return self.client.post("/login", data={"login": username, "password": password, "csrf_token": token},
                                follow_redirects=follow)

    def logout(self):
        token = self.csrf("/")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, page: str | None = None, **kwargs):
        """POST a form with the CSRF token taken from `page` (default: the same path)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(page or path))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


# Every /api/ response the test client receives is checked against /api/openapi.json (tests/openapi_check.py).
from tests.openapi_check import install as _install_openapi_check

_install_openapi_check(IsolatedClient)


def pytest_terminal_summary(terminalreporter, config):
    """The form fuzzing leg's report (tests/security/test_security_form_fuzz.py): inputs tried per form, if it ran now."""
    from tests.form_fuzz import report_lines

    lines = report_lines(since=getattr(config, "_form_fuzz_started", None))
    if lines:
        terminalreporter.write_sep("-", "form fuzzing: inputs tried per form")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_sessionstart(session):
    import time

    session.config._form_fuzz_started = time.time()


def pytest_collection_modifyitems(config, items):
    """Heaviest modules first: those with tests marked `slow` (most such tests first), then the rest by size.

    Under pytest-xdist each module runs in one worker (`--dist loadscope`), handed out in this order
    (`--no-loadscope-reorder`, Makefile). xdist's own order (most tests first) started the accessibility crawl and
    the form fuzzing, a few tests but minutes each, among the last, and one worker ran them alone at the end.
    A module's own tests keep their order.
    """
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(tests: list) -> tuple[int, int]:
        return -sum(1 for test in tests if test.get_closest_marker("slow")), -len(tests)

    items[:] = [item for _name, tests in sorted(modules.items(), key=lambda pair: weight(pair[1])) for item in tests]
