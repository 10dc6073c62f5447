"""The PostgreSQL leg of the suite: `PORTAL_TEST_DATABASE_URL` names a fresh database made for this run.

`make test` creates that database (tests/run_postgres_leg.py), migrates it once with Alembic (the real migrations,
so PostgreSQL-only constraints exist), and each test starts from emptied tables.
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
    """Empty every table and restart every sequence, as a fresh database would be.

    DELETE, children first, then the sequences back to 1: about 7 ms for a test's few rows, where one TRUNCATE of
    the 57 tables made new files for every table and index, about 90 ms per test. A DELETE that fails (a cycle of
    foreign keys the order cannot break) falls back to TRUNCATE … CASCADE.
    """
    tables = [t.name for t in db.metadata.sorted_tables]
    if not tables:
        return
    try:
        with engine.begin() as conn:
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))
            conn.execute(text("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                              "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"))
    except Exception:  # noqa: BLE001 - the slower way always works
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
