"""A served portal on a real loopback socket (werkzeug, threaded), seeded with demo data: for browser journeys,
accessibility and HTML checks, and concurrency tests that need real HTTP."""
from __future__ import annotations

import logging
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.fast_apps import share_compiled_templates

DEMO_PASSWORD = "demo-adgangskode"
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _live_app(db_file: Path, config: dict | None = None):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "live-test",
                       "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "10000 per minute",
                       "DEMO_PASSWORD": DEMO_PASSWORD, **(config or {})})
    share_compiled_templates(app)
    return app


def _migrate_and_seed(app, *, members: int, seed: int, now: datetime | None) -> None:
    from flask_migrate import upgrade

    from portal.demo import seed_demo

    with app.app_context():
        upgrade()
        seed_demo(db.session, members=members, seed=seed, now=now, password=DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()


# Seeded demo databases this test process made, by (members, seed, local date): (file, when it was seeded). Every
# browser module serves its own copy of one (it books and cancels in it), instead of migrating and seeding its own
# (10-15 s a module). A copy is used only on the day it was seeded and for SEEDED_COPY_MINUTES: the demo is
# placed relative to the moment it was seeded, as a module's own seed would be.
_SEEDED: dict[tuple, tuple[Path, float]] = {}
SEEDED_COPY_MINUTES = 15


def _seeded_copy(db_file: Path, *, members: int, seed: int) -> None:
    """Copy a seeded demo of this process into `db_file`, seeding one first if there is none fresh enough."""
    import atexit
    import shutil
    import sqlite3
    import tempfile
    import time
    from contextlib import closing

    from portal.timeutil import local_today

    key = (members, seed, local_today())
    template, seeded_at = _SEEDED.get(key, (None, 0.0))
    if template is None or time.monotonic() - seeded_at > SEEDED_COPY_MINUTES * 60:
        folder = tempfile.mkdtemp(prefix="seeded-demo-")
        atexit.register(shutil.rmtree, folder, True)
        template = Path(folder) / "demo.sqlite3"
        _migrate_and_seed(_live_app(template), members=members, seed=seed, now=None)
        _SEEDED[key] = (template, time.monotonic())
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(db_file)) as target:
        source.backup(target)  # a consistent copy, whatever the template's WAL still holds


@contextmanager
def served_portal(db_file: Path, *, members: int = 300, seed: int = 2026, now: datetime | None = None,
                  config: dict | None = None):
    """Create the schema (migrations), seed the demo, serve it; yields (base_url, app). With the real clock and no
    extra settings, the demo is a copy of one this process seeded earlier today (see _SEEDED)."""
    app = _live_app(db_file, config)
    if now is None and not config:
        _seeded_copy(db_file, members=members, seed=seed)
    else:
        _migrate_and_seed(app, members=members, seed=seed, now=now)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def call_json(base: str, method: str, path: str, body: dict | None = None, token: str | None = None,
              timeout: float = 60):
    """One JSON request on its own connection: (status, parsed body)."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@dataclass(frozen=True)
class Gunicorn:
    """A running gunicorn: its base URL and the master's pid (fault tests kill workers under it)."""

    base: str
    master_pid: int

    def worker_pids(self) -> list[int]:
        """The master's live children: its workers (Linux: /proc/<pid>/task/<pid>/children)."""
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text().split()
        return [int(pid) for pid in children]


@contextmanager
def gunicorn_portal(database_url: str, tmp_path: Path, *, workers: int = 2, threads: int = 4,
                    start_seconds: float = 240):
    """The portal under gunicorn with the production config on a free loopback port; yields the base URL."""
    with gunicorn_server(database_url, tmp_path, workers=workers, threads=threads,
                         start_seconds=start_seconds) as server:
        yield server.base


@contextmanager
def gunicorn_server(database_url: str, tmp_path: Path, *, workers: int = 2, threads: int = 4,
                    start_seconds: float = 240):
    """As gunicorn_portal, but yields a Gunicorn (base URL and master pid)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    import pytest

    root = Path(__file__).resolve().parent.parent
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "test-secret",
           "PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_BIND": f"127.0.0.1:{port}",
           "PORTAL_WORKERS": str(workers), "PORTAL_THREADS": str(threads), "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_LOGIN_RATE_LIMIT": "100000 per minute"}
    with open(tmp_path / "gunicorn.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--preload",
                                 "portal:create_app()"], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # 503 "behind": a test schema has no alembic version, but the server answers
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    pytest.fail("the served app did not start")
                time.sleep(0.2)
        try:
            yield Gunicorn(base, proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
