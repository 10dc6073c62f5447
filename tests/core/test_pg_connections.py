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
