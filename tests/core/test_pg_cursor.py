"""portal.pg_cursor: on PostgreSQL the app's cursors describe every result exactly as psycopg's own cursor does,
whether or not anything reads the description before the cursor moves on."""
from __future__ import annotations

import os

import psycopg
import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.pg_cursor import Cursor, Description, engine_options

needs_postgres = pytest.mark.skipif(not os.environ.get("PORTAL_TEST_DATABASE_URL"),
                                    reason="PostgreSQL leg only (PORTAL_TEST_DATABASE_URL)")

STATEMENTS = [
    ("SELECT 1 AS one, 'x'::text AS word, now() AS at, 1.5::numeric(6, 2) AS amount, NULL::date AS nothing,"
     " ARRAY[1, 2] AS numbers, '{}'::jsonb AS doc, 'æøå'::varchar(12) AS letters"),
    "SELECT ;",
    "SELECT id, username FROM user_account WHERE false",
    "CREATE TEMPORARY TABLE pg_cursor_probe (id serial PRIMARY KEY, label text)",
    "INSERT INTO pg_cursor_probe (label) VALUES ('a'), ('b') RETURNING id, label",
    "UPDATE pg_cursor_probe SET label = 'c'",
]


def _described(description) -> list[tuple] | None:
    if description is None:
        return None
    return [(c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale, c.null_ok,
             c.type_display) for c in description]


def test_only_psycopg_urls_get_the_cursor():
    assert engine_options("sqlite:///portal.sqlite3") == {}
    assert engine_options("postgresql+psycopg://u@127.0.0.1/portal") == {"connect_args": {"cursor_factory": Cursor}}
    assert engine_options("postgresql://u@127.0.0.1/portal")["connect_args"]["cursor_factory"] is Cursor
    assert engine_options("postgresql+psycopg2://u@127.0.0.1/portal") == {}


@needs_postgres
def test_the_apps_connections_use_the_cursor(app):
    with db.engine.connect() as conn:
        assert type(conn.connection.dbapi_connection.cursor()) is Cursor


@needs_postgres
def test_every_result_is_described_as_psycopg_describes_it(app):
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, cursor_factory=Cursor) as ours, psycopg.connect(url) as theirs:
        for sql in STATEMENTS:
            mine, plain = ours.cursor(), theirs.cursor()
            mine.execute(sql)
            plain.execute(sql)
            expected = plain.description
            got = mine.description
            assert (got is None) == (expected is None), sql
            if expected is not None:
                assert isinstance(got, Description)
                assert len(got) == len(expected), sql
                assert bool(got) == bool(expected), sql
                assert _described(got) == _described(expected), sql
                assert [tuple(c) for c in got] == [tuple(c) for c in expected], sql  # the DB-API 7-item form
                assert [tuple(c) for c in got[-1:]] == [tuple(c) for c in expected[-1:]], sql


@needs_postgres
def test_a_description_read_after_the_cursor_moved_on_still_describes_its_own_result(app):
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, cursor_factory=Cursor) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT 1 AS first_one, 'a'::text AS first_word")
        first = cursor.description  # nothing read yet
        cursor.execute("SELECT now() AS later")
        assert [(c.name, c.type_code) for c in first] == [("first_one", 23), ("first_word", 25)]
        assert [c.name for c in cursor.description] == ["later"]


@needs_postgres
def test_orm_reads_and_returning_writes_work_through_it(app, make, session):
    member = make.member("mette")
    make.commit()
    assert session.execute(text("SELECT first_name FROM member WHERE id = :id"), {"id": member.id}).scalar_one() \
        == member.first_name
    row = session.execute(text("UPDATE member SET phone = '12345678' WHERE id = :id RETURNING id, phone"),
                          {"id": member.id}).one()
    assert tuple(row) == (member.id, "12345678")
    session.rollback()
