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

DEMO_PASSWORD = "demo-adgangskode"
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_portal(db_file: Path, *, members: int = 300, seed: int = 2026, now: datetime | None = None,
                  config: dict | None = None):
    """Create the schema (migrations), seed the demo, serve it; yields (base_url, app)."""
    from flask_migrate import upgrade

    from portal.demo import seed_demo

    url = f"sqlite:///{db_file}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "live-test",
                      "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "10000 per minute",
                      "DEMO_PASSWORD": DEMO_PASSWORD, **(config or {})})
    with app.app_context():
        upgrade()
        seed_demo(db.session, members=members, seed=seed, now=now, password=DEMO_PASSWORD)
        db.session.remove()
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
