"""portal.read_ahead: Min side's reads sent to PostgreSQL together give what reading them one by one gives, go out
in one pipeline (one round trip instead of six), and are never used once the transaction has written (issue 19).

Runs on both legs: on SQLite the block changes nothing and the reads are the same by construction."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from psycopg.pq import PipelineStatus
from sqlalchemy import event, literal_column, select, update
from sqlalchemy.exc import DBAPIError

from portal.blueprints import minside
from portal.database import READ_AHEAD, Read
from portal.extensions import db
from portal.models import Notification
from portal.models.casework import HeldConversation
from portal.read_ahead import counted, read_ahead
from portal.services.casework import caseload, conversation_screen
from portal.services.messaging import notifications
from portal.services.minside import plan
from tests.booking_helpers import NOW
from tests.minside.test_statement_counts import _birgitte_and_mette

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


def _on_postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_reads_taken_from_the_pipeline_are_what_reading_them_gives(session, make):
    _loc, _cw, mette = _birgitte_and_mette(make, session, 3)
    reads = minside._home_reads(mette, NOW)
    expected = [read.lines(session) for read in reads]
    assert sum(1 for lines in expected if lines) >= 5, "the data must give the reads something to compare"
    with read_ahead(session, lambda: reads):
        ahead = session.connection().info.get(READ_AHEAD)
        got = [read.lines(session) for read in reads]
        if _on_postgres(session):
            assert ahead is not None and not any(ahead.lines.values()), "every read taken from the pipeline"
        else:
            assert ahead is None  # SQLite: nothing sent ahead, each read ran as before
    assert READ_AHEAD not in session.connection().info
    assert got == expected
    for lines, before in zip(got, expected, strict=True):
        for line, line_before in zip(lines, before, strict=True):
            assert line._fields == line_before._fields
            assert [type(value) for value in line] == [type(value) for value in line_before]
    booking = got[0][0]
    assert booking.starts_at.tzinfo is not None  # through UTCDateTime's result processor, as read_lines gives it


def test_a_write_in_the_block_makes_the_reads_run_again(session, make):
    _loc, _cw, mette = _birgitte_and_mette(make, session, 2)
    reads = minside._home_reads(mette, NOW)
    with read_ahead(session, lambda: reads):
        session.add(Notification(user_id=mette.user_id, text="Ny besked efter læsningen",
                                 created_at=NOW + timedelta(minutes=1)))
        session.flush()
        notes, unread = notifications.recent_and_unread(session, mette.user_id, minside.NOTIFICATIONS_SHOWN_ON_HOME)
    assert notes[0].text == "Ny besked efter læsningen"
    assert unread == notifications.recent_and_unread(session, mette.user_id, 5)[1]
    session.rollback()


def test_the_same_statement_with_other_values_is_read_as_before(session, make):
    loc, cw, mette = _birgitte_and_mette(make, session, 2)
    other = make.member("ole", location=loc, caseworker=cw)
    make.commit()
    reads = minside._home_reads(mette, NOW)
    with read_ahead(session, lambda: reads):
        assert plan.card_items(session, other) == []
        assert plan.card_items(session, mette) == plan.card_items_read(mette).lines(session)


def test_an_error_in_the_pipeline_is_raised_as_sqlalchemy_raises_it(session, make):
    if not _on_postgres(session):
        pytest.skip("SQLite answers 1/0 with NULL")
    _loc, _cw, mette = _birgitte_and_mette(make, session, 1)
    reads = [plan.card_items_read(mette), Read(select(literal_column("1 / 0").label("x")), {})]
    with pytest.raises(DBAPIError, match="division by zero"), read_ahead(session, lambda: reads):
        pass
    assert READ_AHEAD not in session.connection().info
    session.rollback()
    assert plan.card_items(session, mette) == plan.card_items_read(mette).lines(session)  # the session goes on


@contextmanager
def _statements(engine):
    """Each statement the request ran, and whether it went out in a pipeline (sent without waiting for the
    answer of the one before: libpq's pipeline status is on while psycopg's `Connection.pipeline()` block is)."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if counted(context):  # a read sent ahead through execute is counted where the page runs it
            seen.append(cursor.connection.pgconn.pipeline_status != PipelineStatus.OFF)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_min_side_on_postgresql_sends_its_reads_in_one_round_trip(client, auth, make, session, monkeypatch):
    if not _on_postgres(session):
        pytest.skip("round trips to a database server: the PostgreSQL leg")
    _birgitte_and_mette(make, session, 3)
    auth.login("mette")
    first = client.get("/min-side")
    assert first.status_code == 200
    kept = client.application.extensions["minside_home_cache"]
    kept.clear()  # the page made, not shown again as kept (tests/minside/test_home_cache.py)
    with _statements(db.engine) as together:
        page = client.get("/min-side")
    assert page.status_code == 200
    monkeypatch.setattr(minside, "read_ahead", lambda session, reads: contextmanager(lambda: (yield))())
    kept.clear()
    with _statements(db.engine) as one_by_one:
        page_one_by_one = client.get("/min-side")
    assert page_one_by_one.status_code == 200
    # The login's user and the page versions first, then the page's six reads in one pipeline: one wait for all six.
    assert together == [False] * 2 + [True] * 6, together
    assert one_by_one == [False] * 8, one_by_one
    assert _main(page) == _main(page_one_by_one)


@contextmanager
def _sent(monkeypatch):
    """What psycopg sent to the server, in order: (the statement's first words, whether in a pipeline). A read
    sent ahead and then taken by the page is sent once."""
    import psycopg

    sent = []
    execute = psycopg.Cursor.execute

    def recording(cursor, query, params=None, **kwargs):
        sent.append((" ".join(str(query).split())[:60], cursor.connection.pgconn.pipeline_status != PipelineStatus.OFF))
        return execute(cursor, query, params, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", recording)
        yield sent


def test_the_conversation_screen_sends_its_independent_reads_together(client, auth, make, session, monkeypatch):
    """Her lists, read as columns or loaded as objects (bookings, plan, group decisions) and the open job orders,
    go out in one pipeline after the first read; each is sent once, and the page is the one read one by one."""
    if not _on_postgres(session):
        pytest.skip("round trips to a database server: the PostgreSQL leg")
    _loc, cw, mette = _birgitte_and_mette(make, session, 2)
    session.add(HeldConversation(member_id=mette.id, caseworker_id=cw.id, type="followup_phone", channel="phone",
                                 outcome="held", held_at=NOW - timedelta(days=3), notes="Aftalt jobsøgning.",
                                 created_at=NOW - timedelta(days=3)))
    make.commit()
    path = f"/sagsbehandler/medlem/{mette.member_number}"
    auth.login("birgitte")
    assert client.get(path).status_code == 200
    with _sent(monkeypatch) as together, _statements(db.engine) as counted_together:
        page = client.get(path)
    monkeypatch.setattr(conversation_screen, "read_ahead", lambda session, reads: contextmanager(lambda: (yield))())
    with _sent(monkeypatch) as one_by_one, _statements(db.engine) as counted_one_by_one:
        page_one_by_one = client.get(path)
    assert page.status_code == page_one_by_one.status_code == 200
    pipelined = [sql for sql, piped in together if piped]
    for table in ("held_conversation", "offer_session", "booking", "plan_item", "profiling_group_decision",
                  "job_order"):
        assert any(sql.startswith(f"SELECT {table}.") for sql in pipelined), (table, pipelined)
    assert len(pipelined) >= 6
    assert not any(piped for _sql, piped in one_by_one)
    # every statement sent once either way: none of those read ahead went out again when the page ran it
    assert sorted(sql for sql, _piped in together) == sorted(sql for sql, _piped in one_by_one)
    # counted as statements once, as one by one (tests/minside/test_statement_counts.py's way)
    assert len(counted_together) == len(counted_one_by_one)
    assert "Aftalt jobsøgning." in page.get_data(as_text=True)
    assert _main(page) == _main(page_one_by_one)


def test_the_caseload_sends_its_agenda_waiting_chats_and_locations_together(client, auth, make, session, monkeypatch):
    if not _on_postgres(session):
        pytest.skip("round trips to a database server: the PostgreSQL leg")
    _birgitte_and_mette(make, session, 2)
    auth.login("birgitte")
    assert client.get("/sagsbehandler/").status_code == 200
    with _statements(db.engine) as together:
        page = client.get("/sagsbehandler/")
    monkeypatch.setattr(caseload, "read_ahead", lambda session, reads: contextmanager(lambda: (yield))())
    with _statements(db.engine) as one_by_one:
        page_one_by_one = client.get("/sagsbehandler/")
    assert page.status_code == page_one_by_one.status_code == 200
    # after her rows and the audited read: the week's agenda, the chats waiting and the locations, one round trip
    assert together.count(True) == 3 and len(together) == len(one_by_one), together
    assert one_by_one.count(True) == 0
    assert 'class="agenda"' in page.get_data(as_text=True)  # her conversations this week are listed
    assert _main(page) == _main(page_one_by_one)


def _main(page) -> str:
    html = page.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def _plan_and_bookings(session, mette):
    from portal.services.booking import booking

    return ([(item.id, item.title, item.status) for item in plan.list_items(session, mette, with_history=False)],
            [(b.id, b.starts_at, b.status) for b in booking.member_bookings(session, mette, now=NOW,
                                                                            with_staff_and_place=False)])


def test_objects_loaded_from_a_read_sent_ahead_are_those_loaded_one_by_one(session, make):
    from portal.services.booking import booking

    _loc, _cw, mette = _birgitte_and_mette(make, session, 3)
    expected = _plan_and_bookings(session, mette)
    assert expected[0] and expected[1], "the data must give the reads something to compare"
    reads = [plan.items_read(mette, with_history=False),
             booking.member_bookings_read(mette, now=NOW, with_staff_and_place=False)]
    session.expire_all()
    with read_ahead(session, lambda: reads):
        ahead = session.connection().info.get(READ_AHEAD)
        if _on_postgres(session):
            assert len(ahead.cursors) == 2
        got = _plan_and_bookings(session, mette)
        if _on_postgres(session):
            assert ahead.cursors == [], "both answers taken, neither sent again"
    assert got == expected


def test_an_object_read_sent_ahead_is_read_again_after_a_write_and_unused_answers_are_closed(session, make):
    from portal.models.plan import PlanItem

    _loc, _cw, mette = _birgitte_and_mette(make, session, 2)
    first = plan.list_items(session, mette, with_history=False)[0]
    reads = [plan.items_read(mette, with_history=False), plan.card_items_read(mette)]
    with read_ahead(session, lambda: reads):
        ahead = session.connection().info.get(READ_AHEAD)
        kept = list(ahead.cursors) if ahead is not None else []
        assert len(kept) == (1 if _on_postgres(session) else 0)
        session.execute(update(PlanItem).where(PlanItem.id == first.id).values(title="Skrevet i blokken"))
        titles = {item.id: item.title for item in plan.list_items(session, mette, with_history=False)}
    assert titles[first.id] == "Skrevet i blokken"
    assert all(cursor.closed for _sql, _values, cursor in kept)
    session.rollback()
