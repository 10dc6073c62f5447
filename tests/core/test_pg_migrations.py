"""Migrations on PostgreSQL: up from an empty database, matching the models, down to nothing and up again.

Runs in the PostgreSQL leg (PORTAL_TEST_DATABASE_URL); makes its own scratch database on that server.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not URL, reason="PostgreSQL leg only (PORTAL_TEST_DATABASE_URL)")


def test_migrations_on_postgresql(tmp_path):
    base = make_url(URL)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"portal_mig_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        env = dict(os.environ, PORTAL_DATABASE_URL=base.set(database=name).render_as_string(hide_password=False),
                   PORTAL_SECRET_KEY="x", PORTAL_INSTANCE_PATH=str(tmp_path))
        for args in (["upgrade"], ["check"], ["downgrade", "base"], ["upgrade"]):
            run = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", *args], env=env,
                                 capture_output=True, text=True, check=False)
            assert run.returncode == 0, f"db {' '.join(args)}: {(run.stdout + run.stderr)[-2000:]}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
