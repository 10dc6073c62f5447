"""Declarative base with a naming convention (stable constraint names for Alembic) and shared column types.

Lives outside portal.models so portal.extensions can import it without importing every model.
"""
from __future__ import annotations

import functools
import keyword
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, Select, select
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


@dataclass(frozen=True)
class Count:
    """A count the database makes, not run yet: `statement` a one-column count built once per shape (`prepared`),
    `params` this use's values. Its bind parameters are named after the count (`today_caseworker_id`, not
    `caseworker_id`), so several counts can stand side by side in one statement (`counts_at_once`: the staff
    badges on every staff page, issue 19). `key` names the statement: equal keys, the same statement."""

    key: tuple
    statement: Select
    params: dict

    def run(self, session) -> int:
        if session.autoflush:  # what it counts as session.scalar would see it
            session.flush()
        return read_lines(session, self.statement, self.params)[0][0] or 0

    def read(self) -> Read:
        """This count as a Read (for portal.read_ahead, which sends a page's reads together)."""
        return Read(self.statement, self.params)


_COUNTS_AT_ONCE: dict[tuple, Select] = {}


def counts_at_once(session, counts: list[Count]) -> list[int]:
    """Each count's number, in one statement (`SELECT (SELECT count(*) ...), (SELECT count(*) ...)`): a round trip
    instead of one per count (0.1–0.25 ms each on PostgreSQL here). Flushed first as `session.scalar` would,
    then run on the session's connection: rows, no ORM objects."""
    if not counts:
        return []
    if session.autoflush:
        session.flush()
    keys = tuple(count.key for count in counts)
    statement = _COUNTS_AT_ONCE.get(keys)
    if statement is None:
        statement = _COUNTS_AT_ONCE.setdefault(keys, select(*(c.statement.scalar_subquery() for c in counts)))
    params: dict = {}
    for count in counts:
        for name, value in count.params.items():
            if params.setdefault(name, value) != value:
                raise ValueError(f"two counts give the bind parameter {name!r} different values")
    return [number or 0 for number in session.connection().execute(statement, params).one()]


@functools.lru_cache(maxsize=1024)
def named_line(keys: tuple[str, ...]):
    """A named tuple type for a statement's columns (one per distinct list of names), or None where a tuple
    field can not have one of the names (two alike, a leading underscore, a keyword, not an identifier)."""
    if len(set(keys)) != len(keys) or any(not k.isidentifier() or k[0] == "_" or keyword.iskeyword(k) for k in keys):
        return None
    return namedtuple("Line", keys)


READ_AHEAD = "portal_read_ahead"  # the connection's info: what portal.read_ahead's block read already


@dataclass(frozen=True)
class Read:
    """A read not run yet: a statement built once (`prepared`) and this use's values, for `read_lines` (or for
    portal.read_ahead, which sends a page's reads together)."""

    statement: object
    params: dict
    # Read later by SQLAlchemy's own execute (`session.scalars`, `session.execute`, `connection.execute`: ORM
    # objects or Core rows), not by read_lines: portal.read_ahead keeps the server's answer for that execute.
    executed: bool = False

    def lines(self, session) -> list:
        return read_lines(session, self.statement, self.params)


def read_lines(session, statement, params: dict | None = None) -> list:
    """The statement's rows, run on the session's connection (no ORM objects, no compile step), as named tuples.

    A SQLAlchemy Row answers `row.title` only after asking its class whether it has `title` (Row's own methods
    win over columns), and on Python 3.11 that failed lookup formats an AttributeError: ~1 µs a read, against
    ~0.06 µs for a named tuple's field. Min side reads ~200 fields of its rows a request (the contact course
    sorts and filters the bookings, the template shows them): turned once into named tuples (~0.3 µs a row) they
    cost a tenth. Same values in the same order, unpacked, indexed, compared and hashed as the Row was; a
    column named like a tuple method (`count`, `index`) is its value here, where the Row gave the method. A
    statement whose column names a tuple can not take returns SQLAlchemy's rows."""
    connection = session.connection()
    ahead = connection.info.get(READ_AHEAD)  # a portal.read_ahead block sent this page's reads together
    if ahead is not None:
        lines = ahead.take(connection, statement, params or {})
        if lines is not None:
            return lines
    result = connection.execute(statement, params or {})
    line = named_line(tuple(result.keys()))
    if line is None:
        return result.all()
    make = line._make
    return [make(row) for row in result]


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
