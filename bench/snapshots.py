"""What bench/page_snapshots.py and bench/screen_snapshots.py share: the app on a copy of the cached QUICK demo
database with the clock frozen at one moment, a logged-in test client, and a page's per-run tokens replaced by
placeholders, so that the pages of two trees can be compared with `diff -r`."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import time_machine

from bench.common import demo_database

PASSWORD = "demo-adgangskode"


def normalise(text: str) -> str:
    """The form tokens (CSRF, a form's once-only key) and the chat's signed sender token (random per run) as
    placeholders."""
    text = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1CSRF", text)
    text = re.sub(r'(name="form_key" value=")[^"]+', r"\1FORM_KEY", text)
    text = re.sub(r'(name="csrf-token" content=")[^"]+', r"\1CSRF", text)
    return re.sub(r'(data-sender=")[^"]+', r"\1SENDER", text)


@contextmanager
def frozen_demo_app(prefix: str) -> Iterator:
    """The portal on a copy of the demo database (BENCH_MEMBERS, default 20,000), the clock frozen at PAGES_AT
    (default 2026-12-04T14:00:00Z) for as long as the block runs."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        db_file, _ = demo_database(members=int(os.environ.get("BENCH_MEMBERS", "20000")))
        copy = work / "pages.sqlite3"
        shutil.copy(db_file, copy)
        os.environ.update(PORTAL_DATABASE_URL=f"sqlite:///{copy}", PORTAL_SECRET_KEY=prefix.strip("-"),
                          PORTAL_INSTANCE_PATH=str(work), PORTAL_LOG_LEVEL="WARNING",
                          PORTAL_LOGIN_RATE_LIMIT="1000000 per minute")
        moment = datetime.fromisoformat(os.environ.get("PAGES_AT", "2026-12-04T14:00:00+00:00"))
        with time_machine.travel(moment, tick=False):
            from portal import create_app

            yield create_app()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def logged_in(app, login: str):
    """A test client logged in as a demo user (the demo password)."""
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), (login, response.status_code)
    return client
