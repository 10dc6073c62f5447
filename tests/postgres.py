"""The PostgreSQL leg of the suite: `PORTAL_TEST_DATABASE_URL` names a fresh database made for this run.

`make test` creates that database (tests/run_postgres_leg.py), migrates it once with Alembic (the real migrations,
so PostgreSQL-only constraints exist), and each test starts from truncated tables.
"""
from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db


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
