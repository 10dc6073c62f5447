"""A page's independent reads sent to PostgreSQL together, in one round trip (issue 19).

Min side runs six statements of its own after the login's; each waits for the server's answer before the next is
sent, so on PostgreSQL the page pays six round trips (0.2–0.4 ms each on loopback here, more where the database
is on another machine). libpq's pipeline mode, which psycopg offers as `Connection.pipeline()`, sends them one
after the other without waiting and reads all the answers once: the seven statements of a Min side read took
2.3 ms one by one and 1.0 ms pipelined, measured with psycopg alone.

    with read_ahead(db.session, lambda: [Read(_cards(), {"member_id": 7}), ...]):
        cards = home_cards.for_member(db.session, member)   # read_lines finds the answer already here

`read_ahead` runs each `Read` through SQLAlchemy as `read_lines` would (compiled, its values bound, the
statement events fired once, so statement counts stay true), except that the DBAPI `execute` goes out on a cursor
of its own inside the pipeline (the dialect's `do_execute` event). When the pipeline ends, every answer is in;
each is turned into `read_lines`' named tuples with SQLAlchemy's own result processors and kept in the
connection's `info` for the block. Inside it, `read_lines` of the same statement object and the same values takes
its answer from there (once); anything else runs as before. A `Read(..., executed=True)` is one the page runs
through SQLAlchemy's own execute (ORM objects: `session.scalars(...)`): its answer stays in the pipeline's cursor,
and when the page runs a statement whose SQL and values are exactly those, the dialect hook hands SQLAlchemy that
cursor instead of sending the statement again, so the ORM loads its objects from the answer already here. Such a
read is counted where the page runs it: its send in the pipeline carries the execution option KEPT, which
statement counters skip (`counted`). Nothing read ahead is used once the transaction has written or ended, so a
page never shows a read older than its own writes. On SQLite (no round trips: the database
is in the process) it does nothing, and the reads are not even built. The pages' reads are the same statements
with the same values whichever way they run: tests/core/test_read_ahead.py compares them on PostgreSQL and checks
that Min side's six go out in one pipeline.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError

from portal.database import READ_AHEAD, Read, named_line
from portal.db_connections import WROTE

_PIPELINE = psycopg.Pipeline.is_supported()  # libpq 14 or later (psycopg's binary package brings its own)
_INSTALLED = False  # without the hook the statements would run in the pipeline with nothing to read them
OPTION = "portal_read_ahead"  # execution option: the list the do_execute hook puts (context, cursor) in
KEPT = "portal_read_ahead_kept"  # execution option: a Read(executed=True) sent ahead, counted where it is run


def counted(context) -> bool:
    """For statement counters (before_cursor_execute): False for the send ahead of a read the page will run
    through SQLAlchemy's execute, which is counted there (one statement reaches the server)."""
    return context is None or not context.execution_options.get(KEPT)


@dataclass
class _Answers:
    """What one `read_ahead` block read: per statement object, the values it ran with and its lines."""

    connection: object
    transaction: object
    writes: int
    lines: dict[int, list[tuple[object, dict, list]]] = field(default_factory=dict)
    # the answers of Read(executed=True): (the SQL as sent, its DBAPI values, the cursor holding the answer)
    cursors: list[tuple[str, object, object]] = field(default_factory=list)

    def _current(self, connection) -> bool:
        if (connection is not self.connection or connection.get_transaction() is not self.transaction
                or connection.info.get(WROTE, 0) != self.writes):
            self.lines.clear()  # written or ended since: read again
            self.close()
            return False
        return True

    def take(self, connection, statement, params: dict) -> list | None:
        waiting = self.lines.get(id(statement))
        if not waiting or not self._current(connection):
            return None
        for index, (kept, values, lines) in enumerate(waiting):
            if kept is statement and values == params:
                del waiting[index]
                return lines
        return None

    def take_cursor(self, connection, statement: str, parameters) -> object | None:
        """The cursor holding the answer of exactly this SQL with exactly these values (once), or None."""
        if not self.cursors or not self._current(connection):
            return None
        for index, (sql, values, cursor) in enumerate(self.cursors):
            if sql == statement and values == parameters:
                del self.cursors[index]
                return cursor
        return None

    def close(self) -> None:
        for _sql, _values, cursor in self.cursors:
            cursor.close()
        self.cursors.clear()


def send_in_pipeline(cursor, statement, parameters, context) -> bool:
    """Dialect `do_execute` hook: a statement run with the OPTION goes out on a cursor of its own in the open
    pipeline (psycopg queues it and reads its answer when the pipeline ends); SQLAlchemy's own cursor stays
    unused. Inside a read_ahead block, a statement whose answer a Read(executed=True) already holds is not sent:
    SQLAlchemy reads the result from that answer's cursor. Every other statement is left to the dialect (False)."""
    sink = context.execution_options.get(OPTION)
    if sink is None:
        try:
            ahead = context.root_connection.info.get(READ_AHEAD)
        except NotImplementedError:  # the dialect's first connect, on a connection with no info of its own
            return False
        if ahead is None or not ahead.cursors:
            return False
        own = ahead.take_cursor(context.root_connection, statement, parameters)
        if own is None:
            return False
        cursor.close()
        context.cursor = own  # what SQLAlchemy builds the result from (DefaultExecutionContext._setup_result_proxy)
        return True
    own = cursor.connection.cursor()
    own.execute(statement, parameters)
    sink.append((context, own, statement, parameters))
    return True


def install() -> None:
    """Register the hook on the psycopg dialect (once per process; `event.listen` ignores a repeat). SQLite's
    statements never see it."""
    event.listen(PGDialect_psycopg, "do_execute", send_in_pipeline)
    global _INSTALLED
    _INSTALLED = True


_SHAPES: dict[int, tuple] = {}  # id(compiled statement) -> (it, its line type, its width, (index, processor)s)


def _shape(context, cursor) -> tuple | None:
    """The answer's line type and result processors, worked out once per compiled statement: the line as
    read_lines names it (SQLAlchemy's result keys), the processors SQLAlchemy would use for the types the server
    answered with. None where the answer's columns are not the ones SQLAlchemy compiled, or a tuple can not take
    their names (then the statement is simply read again)."""
    compiled = context.compiled
    known = _SHAPES.get(id(compiled))
    if known is not None and known[0] is compiled:
        return known[1:]
    columns = compiled._result_columns
    description = cursor.description
    if description is None or len(description) != len(columns):
        return None
    processors = []
    for index, (column, described) in enumerate(zip(columns, list(description), strict=True)):
        if column.keyname != described.name:
            return None
        process = context.get_result_processor(column.type, described.name, described.type_code)
        if process is not None:
            processors.append((index, process))
    line = named_line(tuple(column.keyname for column in columns))
    if line is None:
        return None
    if len(_SHAPES) >= 1024:  # statements are built once (`prepared`): only a changing statement could fill it
        _SHAPES.clear()
    _SHAPES[id(compiled)] = (compiled, line, len(columns), tuple(processors))
    return line, len(columns), tuple(processors)


def _lines(context, cursor) -> list | None:
    """The answer's rows as read_lines gives them (named tuples of the processed values), or None (`_shape`)."""
    shape = _shape(context, cursor)
    if shape is None or cursor.pgresult is None or cursor.pgresult.nfields != shape[1]:
        return None
    line, _width, processors = shape
    rows = cursor.fetchall()
    if processors:
        processed = []
        for row in rows:
            values = list(row)
            for index, process in processors:
                values[index] = process(values[index])
            processed.append(values)
        rows = processed
    make = line._make
    return [make(row) for row in rows]


@contextmanager
def read_ahead(session, reads: Callable[[], Sequence[Read]]) -> Iterator[None]:
    """Send the reads `reads()` gives to the database together (PostgreSQL with psycopg: one round trip) and let
    `read_lines` take their answers inside the block; elsewhere nothing changes (and `reads` is not called)."""
    connection = session.connection()
    if (not (_PIPELINE and _INSTALLED) or not isinstance(connection.dialect, PGDialect_psycopg)
            or READ_AHEAD in connection.info):
        yield
        return
    reads = reads()
    if len(reads) < 2:  # one read is one round trip either way
        yield
        return
    raw = connection.connection.dbapi_connection
    sent = []
    try:
        with raw.pipeline():
            for read in reads:
                sink: list = []
                options = {OPTION: sink, KEPT: True} if read.executed else {OPTION: sink}
                connection.execute(read.statement, read.params, execution_options=options).close()
                sent.append((read, sink))
    except psycopg.Error as error:  # an answer was an error: raised as SQLAlchemy raises a statement's error
        for _read, sink in sent:
            for _context, cursor, *_sql in sink:
                cursor.close()
        if raw.closed or raw.broken:
            connection.invalidate(error)
        raise DBAPIError.instance("(reads sent together, portal.read_ahead)", None, error, psycopg.Error,
                                  dialect=connection.dialect) from error
    answers = _Answers(connection, connection.get_transaction(), connection.info.get(WROTE, 0))
    try:
        for read, sink in sent:
            if len(sink) != 1:  # it did not go out through the hook: read again when asked
                continue
            (context, cursor, sql, parameters), = sink
            if read.executed:
                answers.cursors.append((sql, parameters, cursor))
                continue
            with cursor:
                lines = _lines(context, cursor)
            if lines is not None:
                answers.lines.setdefault(id(read.statement), []).append((read.statement, dict(read.params), lines))
        connection.info[READ_AHEAD] = answers
        yield
    finally:
        connection.info.pop(READ_AHEAD, None)
        answers.close()
