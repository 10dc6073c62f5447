"""portal.db_connections: a request that only read ends with COMMIT (PostgreSQL then keeps its prepared statements);
anything that wrote, left a change unflushed or failed still ends rolled back and leaves nothing behind."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from flask import abort
from sqlalchemy import event, func, select, text, update

from portal.extensions import db as _db
from portal.models.members import Member
from portal.models.plan import PlanItem

ON_POSTGRES = bool(os.environ.get("PORTAL_TEST_DATABASE_URL"))


@pytest.fixture
def ends(app):
    """How each transaction on the app's engine ended, in order."""
    seen: list[str] = []

    def on_commit(conn):
        seen.append("commit")

    def on_rollback(conn):
        seen.append("rollback")

    event.listen(_db.engine, "commit", on_commit)
    event.listen(_db.engine, "rollback", on_rollback)
    yield seen
    event.remove(_db.engine, "commit", on_commit)
    event.remove(_db.engine, "rollback", on_rollback)


@pytest.fixture
def mette(app, make):
    member = make.member("mette")
    make.commit()
    return member.id


def _route(app, path, view):
    app.add_url_rule(path, path.strip("/").replace("/", "_"), view)


def test_a_page_that_only_read_ends_with_commit(app, client, auth, mette, ends):
    auth.login("mette")
    ends.clear()
    assert client.get("/min-side/plan").status_code == 200
    assert ends == ["commit"]


def test_the_read_only_commit_leaves_what_the_request_loaded_as_it_was(app, client, mette, ends):
    """Expiring every loaded object at the request's end would only be work for the session's close (issue 19);
    the session's own setting is as before afterwards."""
    from sqlalchemy import inspect

    seen = {}

    def view():
        seen["member"] = _db.session.get(Member, mette)
        seen["session"] = _db.session()
        return "ok"

    _route(app, "/les-medlem", view)
    ends.clear()
    assert client.get("/les-medlem").status_code == 200
    assert ends == ["commit"]
    assert not inspect(seen["member"]).expired_attributes
    assert seen["session"].expire_on_commit is True


def test_a_flushed_insert_the_view_did_not_commit_is_rolled_back(app, client, mette, ends):
    def view():
        now = datetime.now(UTC)
        _db.session.add(PlanItem(member_id=mette, kind="other", title="Aldrig gemt", status="proposed",
                                 proposed_by="member", version=1, created_at=now, updated_at=now))
        _db.session.flush()
        abort(400)

    _route(app, "/_test/flush-then-refuse", view)
    assert client.get("/_test/flush-then-refuse").status_code == 400
    assert ends == ["rollback"]
    assert _db.session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.title == "Aldrig gemt")) == 0


def _change_unflushed(member_id):
    _db.session.get(Member, member_id).first_name = "Ændret"  # changed, never flushed, never committed


def _core_update(member_id):
    _db.session.execute(update(Member).where(Member.id == member_id).values(first_name="Ændret"))


@pytest.mark.parametrize("change", [_change_unflushed, _core_update], ids=["unflushed change", "core update"])
def test_a_change_the_view_did_not_commit_is_not_kept(app, client, mette, ends, change):
    def view():
        change(mette)
        return "ok"

    _route(app, "/_test/change", view)
    assert client.get("/_test/change").status_code == 200
    assert ends == ["rollback"]
    assert _db.session.get(Member, mette).first_name != "Ændret"


def test_a_view_that_raised_after_reading_is_rolled_back(app, client, mette, ends):
    def view():
        _db.session.get(Member, mette)
        raise RuntimeError("boom")

    _route(app, "/_test/read-then-raise", view)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_test/read-then-raise").status_code == 500
    assert ends == ["rollback"]


def test_a_request_that_never_used_the_database_opens_no_session(app, client, ends):
    _route(app, "/_test/no-database", lambda: "ok")
    ends.clear()
    assert client.get("/_test/no-database").status_code == 200
    assert ends == []


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL leg only (PORTAL_TEST_DATABASE_URL)")
def test_postgres_keeps_the_statements_it_prepared_from_one_request_to_the_next(app, client, auth, mette):
    def view():
        return str(_db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")))

    _route(app, "/_test/prepared", view)
    auth.login("mette")
    for _ in range(12):  # psycopg prepares a statement once a connection has run it five times
        assert client.get("/min-side/plan").status_code == 200
    assert int(client.get("/_test/prepared").get_data(as_text=True)) > 0


class _IdlePsycopgLike:
    """What the checkout hook reads of a psycopg connection: closed, broken and pgconn.socket."""

    closed = broken = False

    def __init__(self, fd: int) -> None:
        self.pgconn = type("PGconn", (), {"socket": fd})()


def test_the_checkout_check_reads_sockets_numbered_above_1023_and_refuses_one_with_input_waiting():
    import resource
    import socket

    from sqlalchemy.exc import DisconnectionError

    from portal.db_connections import discard_dropped_connection

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    high = 1500
    if hard != resource.RLIM_INFINITY and hard <= high:
        pytest.skip(f"the process may open at most {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, high + 1), hard))
    ours, server = socket.socketpair()
    try:
        os.dup2(ours.fileno(), high)
        discard_dropped_connection(_IdlePsycopgLike(high), None, None)  # idle: kept
        server.sendall(b"E")  # what the server sends as it drops the connection
        with pytest.raises(DisconnectionError):
            discard_dropped_connection(_IdlePsycopgLike(high), None, None)
    finally:
        os.close(high)
        ours.close()
        server.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# ---------------------------------------------------------------- a transaction starts at the first write
ONLY_PG = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL leg only (PORTAL_TEST_DATABASE_URL)")


def _state(session) -> tuple[bool, str]:
    """The request connection's psycopg state: (autocommit, transaction status name)."""
    dbapi_connection = session.connection().connection.dbapi_connection
    return dbapi_connection.autocommit, dbapi_connection.info.transaction_status.name


@pytest.fixture
def server_commands(app):
    """BEGIN, COMMIT and ROLLBACK as psycopg sends them to the server (each a round trip of its own)."""
    import psycopg

    sent: list[bytes] = []
    original = psycopg.Connection._exec_command

    def exec_command(self, command, *args, **kwargs):
        if isinstance(command, bytes) and command.split()[0] in (b"BEGIN", b"COMMIT", b"ROLLBACK"):
            sent.append(command.split()[0])
        return original(self, command, *args, **kwargs)

    psycopg.Connection._exec_command = exec_command
    yield sent
    psycopg.Connection._exec_command = original


@ONLY_PG
def test_a_page_that_only_reads_sends_no_begin_and_no_commit(app, client, auth, mette, server_commands):
    auth.login("mette")
    for _ in range(2):  # the second time on a pooled connection that has been used before
        server_commands.clear()
        assert client.get("/min-side/plan").status_code == 200
        assert server_commands == []


@ONLY_PG
def test_the_first_write_begins_the_transaction_and_the_unit_of_work_is_all_or_nothing(app, mette, server_commands):
    from portal.unit_of_work import unit_of_work

    now = datetime.now(UTC)
    with app.test_request_context():
        _db.session.get(Member, mette)
        assert _state(_db.session) == (True, "IDLE")  # the read ran outside a transaction
        with pytest.raises(RuntimeError), unit_of_work():
            _db.session.add(PlanItem(member_id=mette, kind="other", title="Halvt gemt", status="proposed",
                                     proposed_by="member", version=1, created_at=now, updated_at=now))
            _db.session.flush()
            assert _state(_db.session) == (False, "INTRANS")
            _db.session.execute(update(Member).where(Member.id == mette).values(first_name="Halvt"))
            _db.session.scalar(select(Member.first_name).where(Member.id == mette))  # a read inside it
            raise RuntimeError("the second half fails")
        assert server_commands == [b"BEGIN", b"ROLLBACK"]
        assert _db.session.scalar(select(func.count()).select_from(PlanItem)
                                  .where(PlanItem.title == "Halvt gemt")) == 0
        assert _db.session.get(Member, mette).first_name != "Halvt"
        server_commands.clear()
        with unit_of_work():
            _db.session.get(Member, mette).first_name = "Hel"
        assert server_commands == [b"BEGIN", b"COMMIT"]
        assert _db.session.scalar(select(Member.first_name).where(Member.id == mette)) == "Hel"


@ONLY_PG
@pytest.mark.parametrize("statement", [
    "SELECT id FROM member WHERE id = :id FOR UPDATE",
    "SELECT id FROM member WHERE id = :id FOR NO KEY UPDATE",
    "SELECT id FROM member WHERE id = :id\n FOR  SHARE",
    "SELECT id FROM member WHERE id = :id FOR KEY SHARE SKIP LOCKED",
    "SELECT pg_advisory_xact_lock(7, :id)",
    "WITH m AS (SELECT id FROM member WHERE id = :id) SELECT id FROM m",
    "SELECT id INTO TEMP lazy_begin_copy FROM member WHERE id = :id",
    "SELECT set_config('application_name', 'portal ' || :id, true)",
], ids=["for update", "for no key update", "for share", "for key share", "advisory xact lock", "with", "into",
        "set_config"])
def test_a_select_that_locks_or_may_write_runs_in_the_transaction(app, mette, statement):
    with app.test_request_context():
        _db.session.execute(text(statement), {"id": mette})
        assert _state(_db.session) == (False, "INTRANS")
        _db.session.rollback()


@ONLY_PG
def test_a_row_lock_is_held_until_the_transaction_ends(app, mette):
    """FOR UPDATE in autocommit would release the lock at once: another connection could then take it."""
    from sqlalchemy.exc import OperationalError

    with app.test_request_context():
        _db.session.execute(select(Member.id).where(Member.id == mette).with_for_update())
        with _db.engine.connect() as other:
            with pytest.raises(OperationalError, match="could not obtain lock"):
                other.execute(select(Member.id).where(Member.id == mette).with_for_update(nowait=True))
            other.rollback()
        _db.session.rollback()
        with _db.engine.connect() as other:  # released by the rollback
            assert other.execute(select(Member.id).where(Member.id == mette)
                                 .with_for_update(nowait=True)).scalar() == mette


@ONLY_PG
def test_a_server_side_cursor_reads_in_a_transaction(app, mette):
    with app.test_request_context():
        ids = list(_db.session.execute(select(Member.id).execution_options(yield_per=10)).scalars())
        assert mette in ids


@ONLY_PG
@pytest.mark.parametrize("level", ["REPEATABLE READ", "SERIALIZABLE"])
def test_a_connection_with_its_own_isolation_level_reads_in_its_transaction(app, mette, level):
    with _db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level=level)
        conn.execute(select(Member.id).where(Member.id == mette))
        assert conn.connection.dbapi_connection.info.transaction_status.name == "INTRANS"
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == level.lower()


@ONLY_PG
def test_an_autocommit_engine_stays_in_autocommit_for_statements_that_cannot_run_in_a_transaction(app):
    from sqlalchemy import create_engine

    admin = create_engine(_db.engine.url, isolation_level="AUTOCOMMIT")
    name = f"lazy_begin_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            conn.exec_driver_sql(f'DROP DATABASE "{name}"')
        with _db.engine.connect() as conn:  # and an AUTOCOMMIT connection of the portal's own engine
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("VACUUM member")
    finally:
        admin.dispose()


def test_which_statements_need_the_transaction():
    from portal.db_connections import needs_transaction

    assert not needs_transaction("SELECT member.id FROM member WHERE member.first_name = 'Ford Update'", None)
    assert not needs_transaction("  select 1", None)
    for statement in ("INSERT INTO x VALUES (1)", "UPDATE x SET a = 1", "DELETE FROM x", "SAVEPOINT sa_1",
                      "WITH d AS (DELETE FROM x RETURNING a) SELECT a FROM d", "SELECT a FROM x FOR UPDATE OF x",
                      "select pg_advisory_xact_lock(1)", "CREATE TABLE y (a int)",
                      "SELECT set_config('search_path', 'x', true)", "SELECT pg_notify('c', 'p')",
                      "SELECT a\nINTO TEMP kopi FROM x"):
        assert needs_transaction(statement, None), statement


# ---------------------------------------------------------------- an audited read is written in one statement
@pytest.fixture
def caseworker_of_mette(app, make, mette):
    cw = make.caseworker("birgitte")
    _db.session.get(Member, mette).caseworker_id = cw.id
    make.commit()
    return cw


def _audit_actions(member_id=None) -> list[str]:
    from portal.models import AuditEntry

    query = select(AuditEntry.action).order_by(AuditEntry.id)
    if member_id is not None:
        query = query.where(AuditEntry.member_id == member_id)
    return list(_db.session.scalars(query))


@ONLY_PG
def test_a_staff_page_whose_only_write_is_its_audit_entry_sends_no_begin_and_no_commit(
        app, client, auth, mette, caseworker_of_mette, server_commands):
    """The opening of a member's file is audited by one INSERT that commits by itself: no BEGIN and no COMMIT
    round trip (issue 19), and the entry is in the database when the page has been answered."""
    number = _db.session.get(Member, mette).member_number
    auth.login("birgitte")
    for n in (1, 2):
        server_commands.clear()
        assert client.get(f"/sagsbehandler/medlem/{number}").status_code == 200
        assert server_commands == []
        assert _audit_actions(mette) == ["member.file_opened"] * n
    assert client.get("/sagsbehandler/").status_code == 200  # stores the members' next steps: a transaction
    server_commands.clear()
    assert client.get("/sagsbehandler/").status_code == 200
    assert server_commands == []
    assert _audit_actions()[-2:] == ["caseload.viewed"] * 2


@ONLY_PG
def test_an_audited_read_flushed_with_a_change_is_all_or_nothing_with_it(app, mette, caseworker_of_mette,
                                                                         server_commands):
    from portal.services import audit
    from portal.unit_of_work import unit_of_work

    now = datetime.now(UTC)
    user = caseworker_of_mette.user
    with app.test_request_context():
        with pytest.raises(RuntimeError), unit_of_work():
            audit.record(_db.session, user, "member.file_opened", member_id=mette, now=now)
            _db.session.add(PlanItem(member_id=mette, kind="other", title="Med opslaget", status="proposed",
                                     proposed_by="caseworker", version=1, created_at=now, updated_at=now))
            _db.session.flush()
            raise RuntimeError("fails after the flush")
        assert server_commands == [b"BEGIN", b"ROLLBACK"]
        assert _audit_actions(mette) == []


@ONLY_PG
def test_an_audited_read_flushed_alone_stays_when_a_later_write_fails_but_a_change_entry_does_not(
        app, mette, caseworker_of_mette, server_commands):
    """An entry that records a look stands alone (audit.READ_ACTIONS): written before a later change of the same
    unit of work fails, it is kept, as the look happened. An entry that records a change never is."""
    from portal.services import audit
    from portal.unit_of_work import unit_of_work

    now = datetime.now(UTC)
    user = caseworker_of_mette.user
    with app.test_request_context():
        for action in ("member.file_opened", "profile.update"):
            server_commands.clear()
            with pytest.raises(RuntimeError), unit_of_work():
                audit.record(_db.session, user, action, member_id=mette, now=now)
                _db.session.flush()
                _db.session.execute(update(Member).where(Member.id == mette).values(first_name="Halvt"))
                raise RuntimeError("the change fails")
            assert _db.session.get(Member, mette).first_name != "Halvt"
            assert server_commands == ([b"BEGIN", b"ROLLBACK"])
        assert _audit_actions(mette) == ["member.file_opened"]


@ONLY_PG
def test_an_audited_read_in_an_open_transaction_is_written_in_it(app, mette, caseworker_of_mette, server_commands):
    from portal.services import audit
    from portal.unit_of_work import unit_of_work

    now = datetime.now(UTC)
    with app.test_request_context():
        with pytest.raises(RuntimeError), unit_of_work():
            _db.session.execute(update(Member).where(Member.id == mette).values(first_name="Først"))
            audit.record(_db.session, caseworker_of_mette.user, "member.file_opened", member_id=mette, now=now)
            _db.session.flush()
            raise RuntimeError("fails")
        assert server_commands == [b"BEGIN", b"ROLLBACK"]
        assert _audit_actions(mette) == []


def test_the_read_actions_are_audit_actions_that_change_nothing():
    from portal.services import audit

    assert audit.READ_ACTIONS <= set(audit.ACTION_LABELS)
    assert not {"summary.read_by_member", "profile.update", "booking.create"} & audit.READ_ACTIONS
