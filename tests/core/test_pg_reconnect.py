"""The database drops every connection of the app (a restart, a failover, pg_terminate_backend): the next request
works without restarting the portal, and a write made after it is kept. PostgreSQL leg only."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal.models.plan import PlanItem

pytestmark = pytest.mark.skipif(not os.environ.get("PORTAL_TEST_DATABASE_URL"),
                                reason="PostgreSQL leg only (PORTAL_TEST_DATABASE_URL)")


def _drop_every_connection_of(url: str) -> int:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                                {"name": target.database}).all()
            for pid in pids:  # terminate, and wait (up to 5 s) until the backend has gone, as after a restart
                conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
            return len(pids)
    finally:
        admin.dispose()


def test_pages_and_writes_work_right_after_the_database_dropped_all_connections(app, client, auth, make, session):
    make.member("mette")
    make.commit()
    auth.login("mette")
    assert client.get("/min-side").status_code == 200  # the pool now holds live connections

    assert _drop_every_connection_of(app.config["SQLALCHEMY_DATABASE_URI"]) >= 1

    assert client.get("/min-side").status_code == 200
    response = auth.post("/min-side/plan", {"kind": "other", "title": "Efter genstarten", "due_date": ""})
    assert response.status_code == 302
    assert session.scalar(select(PlanItem.title).where(PlanItem.title == "Efter genstarten")) is not None
