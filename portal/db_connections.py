"""How the portal uses its pooled PostgreSQL connections without a round trip it does not need (issue 19).

On PostgreSQL every round trip to the server costs about 0.1–0.2 ms here. A request that only read paid three for
no purpose of its own (a ping at checkout, BEGIN, and the ROLLBACK that ended it), and the ROLLBACK threw away
the server's cached query plans:

- **A dead connection is noticed without asking the server.** `pool_pre_ping` sent `;` to the server on every
  checkout. A connection the server has dropped (restart, failover, `pg_terminate_backend`, an idle timeout) has
  the server's goodbye waiting unread on its socket, or is already closed: `discard_dropped_connection` looks at
  the socket without blocking (about 2 µs) and tells the pool to use a fresh connection instead
  (`DisconnectionError`, the pool's documented way). An idle pooled connection has nothing to read unless the
  server said something, so a false alarm costs one reconnect, never a wrong answer.
  tests/core/test_pg_reconnect.py drops every connection and checks the next request and write.
- **A request that only read ends its transaction with COMMIT instead of ROLLBACK.** psycopg prepares a
  statement on the server once a connection has run it five times, so PostgreSQL stops parsing and planning it
  again; but it forgets every prepared statement at each ROLLBACK, and a session's close rolls back. A read-only
  transaction's COMMIT and ROLLBACK have the same effect in PostgreSQL. `commit_if_only_read` commits only when
  the request raised nothing, the session holds no unflushed change, and every statement the connection ran in
  the transaction was a SELECT (`note_writes` watches each one); anything else ends as before, rolled back.

- **A transaction starts at the request's first write, not at its first read.** psycopg sends `BEGIN` in a
  round trip of its own before a transaction's first statement, and the transaction's end is another one. In
  PostgreSQL's READ COMMITTED, which the portal uses, every statement reads its own snapshot whether or not it
  runs in a transaction, so reads before the first write see nothing different outside one.
  `begin_before_write` runs a statement outside a transaction in autocommit, unless it needs one: anything but
  a plain SELECT (an INSERT, UPDATE, DELETE, SAVEPOINT, DDL, a WITH that may write), a SELECT that locks rows
  (`FOR UPDATE`, `FOR SHARE` …), takes a transaction-scoped advisory lock, makes a setting for the transaction,
  notifies or makes a table (`SELECT … INTO`), and a server-side cursor. psycopg
  then sends `BEGIN` before that statement, and what follows until the commit or rollback is one transaction,
  as before. A request that only read sends neither `BEGIN` nor `COMMIT` (psycopg's commit and rollback do
  nothing on a connection outside a transaction). A connection or an engine set to autocommit on purpose (SQLAlchemy's isolation_level
  "AUTOCOMMIT", e.g. for `CREATE DATABASE` or `VACUUM`) is left as it is, and so is one set to another isolation
  level: REPEATABLE READ and SERIALIZABLE read the transaction's snapshot, so their reads begin it.
  tests/core/test_pg_connections.py checks each kind of statement and that a unit of work is still all or nothing.
- **An audited look at data is written by one statement that commits by itself.** A staff page that only read
  still writes its audit entry (the caseload's `caseload.viewed`, the conversation screen's `member.file_opened`
  …): BEGIN, the INSERT and a COMMIT that waits for the disk, three round trips. An entry whose action records
  only a look (`audit.READ_ACTIONS`) stands alone: when a flush holds nothing but such entries and no transaction
  is open (`mark_reads_alone`), each INSERT runs in autocommit, a transaction of its own that PostgreSQL has made
  durable when the statement returns: one round trip, and the request's end sends nothing. With a change in the
  same flush, or after the request has begun writing, the entries go into the transaction as before, all or
  nothing with the change. An entry written alone stays when a later change of the request fails: the look
  happened. An entry that records a change is never written alone.

They only change what happens on PostgreSQL connections in practice: on SQLite the socket check and the lazy
start do nothing, and a read-only COMMIT is what pysqlite does anyway (it opens no transaction before the first
write either).
"""
from __future__ import annotations

import logging
import re
import select

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

log = logging.getLogger(__name__)

WROTE = "portal_transaction_wrote"


def discard_dropped_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    """Pool checkout hook: refuse a psycopg connection that is closed or has input waiting while idle."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # not psycopg (SQLite)
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection was closed")
    # poll, not select: select refuses a descriptor above 1023, which a busy worker's sockets can be
    poller = select.poll()
    try:
        poller.register(pgconn.socket, select.POLLIN)
    except (OSError, ValueError) as error:  # the socket itself is gone
        raise DisconnectionError("the connection's socket is gone") from error
    if poller.poll(0):  # input waiting, a hang-up or an error: the server is not keeping this connection
        raise DisconnectionError("the server sent something to an idle connection (it dropped it)")


LAZY = "portal_lazy_begin"  # in a pooled connection's info: whether its transactions start at the first write
# a locking clause, searched in the upper-cased statement only where " FOR" occurs (on a 900-character statement
# the pattern alone, case-blind, took ~25 µs)
_LOCKING_CLAUSE = re.compile(r"\sFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b")
_IDLE = psycopg.pq.TransactionStatus.IDLE




def needs_transaction(statement: str, cursor) -> bool:
    """Whether a statement must run inside the transaction: anything but a plain SELECT; a SELECT that locks rows
    or does something only a transaction holds or undoes (a transaction-scoped advisory lock, a setting made for
    the transaction with set_config(…, true), a notification sent at commit, a table made with SELECT … INTO);
    and anything read through a server-side cursor. A false alarm costs only the BEGIN every statement paid
    before. Substring tests, not one pattern: every statement of every request passes here (~3 µs)."""
    if statement.lstrip()[:6].upper() != "SELECT" or isinstance(cursor, psycopg.ServerCursor):
        return True
    upper = statement.upper()
    return ("PG_ADVISORY_XACT" in upper or "SET_CONFIG" in upper or "PG_NOTIFY" in upper
            or ("INTO" in upper and ("INTO " in upper or "INTO\n" in upper or "INTO\t" in upper))
            or ((" FOR" in upper or "\nFOR" in upper or "\tFOR" in upper) and _LOCKING_CLAUSE.search(upper) is not None))


def _takes_part(conn) -> bool:
    """A psycopg connection left at PostgreSQL's READ COMMITTED. Decided the first time a pooled connection runs a
    statement without an isolation level of its own: one already in autocommit then is of an engine created with
    isolation_level "AUTOCOMMIT", and never takes part; nor does one of an engine with another level."""
    fairy = conn.connection
    lazy = fairy.info.get(LAZY)
    if lazy is None:
        dbapi_connection = fairy.dbapi_connection
        lazy = fairy.info[LAZY] = (getattr(dbapi_connection, "pgconn", None) is not None
                                   and not dbapi_connection.autocommit
                                   and dbapi_connection.isolation_level in (
                                       None, psycopg.IsolationLevel.READ_COMMITTED)
                                   and conn.dialect.default_isolation_level == "READ COMMITTED")
    return lazy


def begin_before_write(conn, cursor, statement, parameters, context, executemany) -> None:
    """Engine hook before each statement (see the module's text): outside a transaction, a statement that does
    not need one runs in autocommit; one that does takes the connection out of autocommit, so psycopg sends
    BEGIN before it. A connection given an isolation level by its execution options (which set autocommit, or
    take it out, themselves) is left alone."""
    if conn.get_execution_options().get("isolation_level") is not None or not _takes_part(conn):
        return
    dbapi_connection = conn.connection.dbapi_connection
    if (conn.info.get(READS_ALONE) and statement.startswith("INSERT INTO audit_entry ")
            and dbapi_connection.info.transaction_status == _IDLE):
        if not dbapi_connection.autocommit:
            dbapi_connection.autocommit = True
        return
    if needs_transaction(statement, cursor):
        if dbapi_connection.autocommit:
            dbapi_connection.autocommit = False
    elif not dbapi_connection.autocommit and dbapi_connection.info.transaction_status == _IDLE:
        dbapi_connection.autocommit = True


READS_ALONE = "portal_reads_alone"  # in a connection's info while a flush of nothing but stand-alone audit entries runs


def mark_reads_alone(session, flush_context, instances) -> None:
    """Session hook before each flush: a flush of nothing but new audit entries that record a look at data
    (`AuditEntry.stands_alone`), on a connection with no transaction open, writes them outside one: each INSERT
    commits by itself, with no BEGIN and no COMMIT round trip (`begin_before_write`). Anything else in the flush,
    or a transaction already open, and they are written in the transaction as before."""
    info = session.info
    previous = info.pop(READS_ALONE, None)
    if previous is not None:
        previous.info.pop(READS_ALONE, None)
    if not session.new or session.deleted or session.dirty:
        return
    if not all(getattr(obj, "stands_alone", False) for obj in session.new):
        return
    conn = session.connection()
    if conn.get_execution_options().get("isolation_level") is not None or not _takes_part(conn):
        return
    if conn.connection.dbapi_connection.info.transaction_status != _IDLE:
        return
    conn.info[READS_ALONE] = True
    info[READS_ALONE] = conn


def end_reads_alone(session, *args) -> None:
    """Session hook after each flush and after a rollback (a failed flush rolls back): the mark is for one flush."""
    conn = session.info.pop(READS_ALONE, None)
    if conn is not None:
        conn.info.pop(READS_ALONE, None)


def note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    """Engine hook before each statement: count what this transaction ran other than a SELECT (portal.read_ahead
    reads the count too)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        if conn.info.get(READS_ALONE) and conn.connection.dbapi_connection.autocommit:
            return  # an audited look written by itself (`mark_reads_alone`): not the transaction's write
        conn.info[WROTE] = conn.info.get(WROTE, 0) + 1


def transaction_wrote(session) -> bool:
    """Whether the session's transaction has run anything but a SELECT so far (it may yet roll back)."""
    transaction = session.get_transaction()
    return transaction is not None and any(conn.info.get(WROTE) for conn in transaction.connections)


def forget_writes(conn) -> None:
    conn.info.pop(WROTE, None)


def commit_if_only_read(session, error: BaseException | None) -> None:
    """End the request's transaction with COMMIT when it only read (see the module's text); otherwise leave it to
    the session's close, which rolls back. A dead database must not make it raise: it runs at teardown, where an
    error would replace the request's own answer (a dead database made /healthz's 503 a 500)."""
    if error is not None or not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        return
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return
    # The connections the transaction already holds, never a new one: Session.connection() would connect again,
    # and a request whose connect failed holds none (nothing ran, so there is nothing to commit).
    connections = transaction.connections
    if not connections or any(conn.invalidated or conn.info.get(WROTE) for conn in connections):
        return
    # The request is over: expiring every object it loaded (what a commit does first, so the next read sees the
    # database) would only be work for the session's close to throw away, a twentieth of Min side (issue 19).
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    except SQLAlchemyError:  # e.g. the connection was lost meanwhile: nothing was written, so nothing is lost
        log.warning("ending a read-only transaction with COMMIT failed; rolled back", exc_info=True)
        try:
            session.rollback()
        except SQLAlchemyError:  # the database is gone: the session's close discards the connection
            log.warning("rolling back after the failed COMMIT failed too", exc_info=True)
    finally:
        session.expire_on_commit = expire_on_commit


def install() -> None:
    """Register the hooks on every pool and engine (once per process; `event.listen` ignores a repeat)."""
    event.listen(Pool, "checkout", discard_dropped_connection)
    event.listen(Engine, "before_cursor_execute", begin_before_write)
    event.listen(Engine, "before_cursor_execute", note_writes)
    event.listen(Engine, "begin", forget_writes)
    event.listen(Engine, "commit", forget_writes)
    event.listen(Engine, "rollback", forget_writes)
    event.listen(Session, "before_flush", mark_reads_alone)
    for moment in ("after_flush", "after_soft_rollback"):
        event.listen(Session, moment, end_reads_alone)


def init_app(app) -> None:
    """Commit read-only requests at teardown, before Flask-SQLAlchemy's own teardown closes the session
    (teardown functions run in reverse order of registration, so this must come after `db.init_app`)."""
    from portal.extensions import db

    install()

    @app.teardown_appcontext
    def _commit_if_only_read(error: BaseException | None) -> None:
        if db.session.registry.has():  # a request that never touched the database has no session to end
            commit_if_only_read(db.session(), error)
