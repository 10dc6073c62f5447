"""The PostgreSQL leg of the suite: `PORTAL_TEST_DATABASE_URL` names a fresh database made for this run.

`make test` creates that database (tests/run_postgres_leg.py), migrates it once with Alembic (the real migrations,
so PostgreSQL-only constraints exist), and each test starts from truncated tables.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.extensions import db


@contextmanager
def worker_database(url: str, worker: str | None):
    """`url` itself for a single process; for an xdist worker a fresh database named after it, dropped after."""
    if not worker:
        yield url
        return
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate_once(url: str) -> None:
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def truncate_all(engine) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if not tables:
        return
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
