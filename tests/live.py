"""A served portal on a real loopback socket (werkzeug, threaded), seeded with demo data: for browser journeys,
accessibility and HTML checks, and concurrency tests that need real HTTP."""
from __future__ import annotations

import logging
import socket
import threading
from contextlib import contextmanager
from datetime import date
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
def served_portal(db_file: Path, *, members: int = 300, seed: int = 2026, today: date | None = None,
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
        seed_demo(db.session, members=members, seed=seed, today=today, password=DEMO_PASSWORD)
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
