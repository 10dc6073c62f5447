"""Declarative base with a naming convention (stable constraint names for Alembic) and shared column types.

Lives outside portal.models so portal.extensions can import it without importing every model.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


S = TypeVar("S")


def prepared(build: Callable[[], S]) -> Callable[[], S]:
    """A statement built once per process (per combination of arguments, which choose between a few shapes and are
    never a member's data) and then executed with bind parameters (issue 19).

    `select(...)` builds its tree anew on every call and SQLAlchemy then walks that tree for its cache key: for a
    statement with joins, eager loads or subqueries that is 0.2–0.4 ms, more than SQLite takes to run it. A
    statement built once keeps its cache key. Only the statement's shape is kept between requests, never a value:
    whatever differs between calls (the member, the time) is a `bindparam` given at execution, e.g.
    `session.scalars(_upcoming(), {"member_id": member.id, "now": now})`."""
    return functools.cache(build)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timestamps stored as naive UTC (SQLite and PostgreSQL alike) and returned timezone-aware in UTC.

    Naive datetimes passed in are refused: the caller must say which zone a time is in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def configure_sqlite(dbapi_connection, connection_record) -> None:
    """SQLite as a web database: WAL (readers never block the writer), wait up to 30 s for the write lock
    instead of failing at once with "database is locked" when several workers write, and enforce foreign keys
    (SQLite leaves them off per connection by default; PostgreSQL always enforces them, ON DELETE CASCADE included).

    Migrations turn foreign keys off on their own connection while batch mode rebuilds tables (migrations/env.py)."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
