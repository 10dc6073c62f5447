"""psycopg cursors whose `description` is built when something reads it (issue 19).

psycopg's `Cursor.description` builds one `Column` object per result column each time it is asked (name decoded,
type looked up). SQLAlchemy asks once per statement, but once it has compiled a statement it keeps the result's
metadata and only checks that the description is not None. Min side's statements return about 230 columns a
request and the conversation screen's about 550, so building them was 3–4 % of those pages on PostgreSQL
(measured side by side, docs/performance.md). Here `description` is a sequence of the same length that builds
psycopg's own `Column` objects, from the result it was made for, the first time an item is read: whatever reads it
(SQLAlchemy on a new statement, a RETURNING, DB-API code) sees exactly what psycopg would have given.
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus
from sqlalchemy.engine import make_url

_RETURNS_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class _ResultSnapshot:
    """What `psycopg.Column` reads from its cursor, kept for one result (the cursor moves on to the next one)."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor, pgresult) -> None:
        self.pgresult = pgresult
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class Description(Sequence):
    """`cursor.description` for one result: its length at once, its `Column` objects on first use."""

    __slots__ = ("_columns", "_size", "_snapshot")

    def __init__(self, cursor: psycopg.Cursor, pgresult) -> None:
        self._snapshot = _ResultSnapshot(cursor, pgresult)
        self._size = pgresult.nfields
        self._columns: list[Column] | None = None

    def _built(self) -> list[Column]:
        if self._columns is None:
            self._columns = [Column(self._snapshot, i) for i in range(self._size)]  # type: ignore[arg-type]
        return self._columns

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        return self._built()[index]

    def __repr__(self) -> str:
        return repr(self._built())


class Cursor(psycopg.Cursor):
    """psycopg's client-side cursor with a `description` built on first use (see the module's text)."""

    @property
    def description(self) -> Description | None:
        res = self.pgresult
        # the same test as psycopg's own property: columns, or a result that says it returns rows ("SELECT ;")
        if res and (res.nfields or res.status in _RETURNS_ROWS):
            return Description(self, res)
        return None


def engine_options(database_url) -> dict:
    """SQLAlchemy engine options for the portal's database URL: this cursor where the driver is psycopg (3),
    nothing elsewhere."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql" and url.get_dialect().driver == "psycopg":
        return {"connect_args": {"cursor_factory": Cursor}}
    return {}
